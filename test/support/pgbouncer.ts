import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';

const BINARY = process.env.PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer';

/**
 * A private PgBouncer (Debian's package, 1.18: no prepared statements across transactions) in
 * transaction mode on a free loopback port, in front of the Postgres of `directUrl`. Every database
 * name passes through (`*`), so each test file's own database works; trust auth, as the test
 * Postgres has. A few server connections per database, so clients really share them.
 */
export class PgBouncer {
  private process?: ManagedProcess;

  private constructor(
    readonly port: number,
    private readonly folder: string,
  ) {}

  static assertAvailable(): void {
    if (spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status !== 0) {
      throw new Error(
        `pgbouncer is not installed at ${BINARY}: the pooler suites run the product through a real ` +
          'one. Install it: `sudo apt-get install -y pgbouncer` (or set PGBOUNCER_BIN).',
      );
    }
  }

  static async start(directUrl: string, options: { poolSize?: number } = {}): Promise<PgBouncer> {
    PgBouncer.assertAvailable();
    const target = new URL(directUrl);
    const user = decodeURIComponent(target.username || 'postgres');
    const folder = mkdtempSync(join(tmpdir(), 'ainfographic-pgbouncer-'));
    const bouncer = new PgBouncer(await freePort(), folder);
    const ini = [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${bouncer.port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(folder, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize ?? 5}`,
      'max_client_conn = 1000',
      'max_db_connections = 0',
      'server_reset_query =',
      'log_connections = 0',
      'log_disconnections = 0',
    ].join('\n');
    writeFileSync(join(folder, 'pgbouncer.ini'), `${ini}\n`);
    writeFileSync(join(folder, 'users.txt'), `"${user}" ""\n`);
    // PgBouncer refuses to run as root; it drops to `nobody`, who must read its files.
    for (const file of ['', 'pgbouncer.ini', 'users.txt']) {
      chmodSync(join(folder, file), file ? 0o644 : 0o755);
    }
    await bouncer.up();
    // A run that ends without stop() (Jest's --forceExit, a bench interrupted) takes it along.
    process.once('exit', () => bouncer.process?.child.kill('SIGKILL'));
    return bouncer;
  }

  /** `url` with the host and port of this PgBouncer (same user and database). */
  urlFor(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.port);
    return through.toString();
  }

  private async up(timeoutMs = 10_000): Promise<void> {
    const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
    this.process = new ManagedProcess('pgbouncer', BINARY, [
      ...asRoot,
      join(this.folder, 'pgbouncer.ini'),
    ]);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.process.running) {
        throw new Error(`pgbouncer exited at start:\n${this.process.tail()}`);
      }
      const client = new Client({
        connectionString: `postgres://postgres@127.0.0.1:${this.port}/postgres`,
        connectionTimeoutMillis: 500,
      });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new Error(`pgbouncer on ${this.port} did not answer within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  tail(): string {
    return this.process?.tail() ?? '';
  }

  async stop(): Promise<void> {
    await this.process?.stop(3000);
    rmSync(this.folder, { recursive: true, force: true });
  }
}
