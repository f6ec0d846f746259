import { spawnSync } from 'node:child_process';

import IORedis from 'ioredis';

import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';

/**
 * A private redis-server on its own free port (no persistence), for tests that kill and restart
 * Redis: the developers' Redis on 6379 is never touched.
 */
export class PrivateRedis {
  private process?: ManagedProcess;
  restarts = 0;

  private constructor(
    readonly port: number,
    private readonly logFile?: string,
  ) {}

  static available(): boolean {
    return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  }

  /**
   * Fails (never skips) when the redis-server binary is missing: the suites that crash and restart
   * Redis would otherwise pass having proved nothing. A Redis in Docker does not provide it.
   */
  static assertAvailable(): void {
    if (!PrivateRedis.available()) {
      throw new Error(
        'redis-server is not installed (or not on PATH): the chaos, outage and realtime suites start ' +
          'their own private redis-server to crash and restart it. Install it: ' +
          '`sudo apt-get install -y redis-server` (a Redis in Docker is not enough for these suites).',
      );
    }
  }

  static async start(options: { logFile?: string } = {}): Promise<PrivateRedis> {
    PrivateRedis.assertAvailable();
    const redis = new PrivateRedis(await freePort(), options.logFile);
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on the same port and waits until it answers PING. */
  async up(timeoutMs = 10_000): Promise<void> {
    this.process = new ManagedProcess(
      'redis',
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { logFile: this.logFile },
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.process.running) {
        throw new Error(`redis-server exited at start:\n${this.process.tail()}`);
      }
      const client = new IORedis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 500,
      });
      try {
        await client.connect();
        await client.ping();
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new Error(`redis-server on ${this.port} did not answer within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        client.disconnect();
      }
    }
  }

  /** Kills the server hard: every key is gone (no persistence), like a crashed cache node. */
  async crash(): Promise<void> {
    await this.process?.kill9();
  }

  async restart(downMs = 1000): Promise<void> {
    await this.crash();
    await new Promise((r) => setTimeout(r, downMs));
    await this.up();
    this.restarts += 1;
  }

  async stop(): Promise<void> {
    await this.process?.stop(3000);
  }
}
