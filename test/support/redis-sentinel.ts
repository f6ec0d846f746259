import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import IORedis from 'ioredis';

import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { PrivateRedis } from './redis-server';
import { waitFor } from './wait-for';

/** Replicas log in as this user, so a test can shut replication out (cutReplication). */
const REPLICATION_USER = 'replicator';
const REPLICATION_PASSWORD = 'replication-secret';

interface DataNode {
  port: number;
  process: ManagedProcess;
}

/**
 * A Sentinel-managed Redis on loopback, for failover drills: one primary, its replicas and three
 * sentinels (quorum 2), each a real process on a free port, nothing persisted. Sentinels declare
 * the primary down after `downAfterMs` and promote a replica. Only its own processes are signalled.
 */
export class SentinelGroup {
  readonly masterName = 'drill';
  private readonly nodes = new Map<number, DataNode>();
  private readonly sentinelProcesses: ManagedProcess[] = [];
  readonly sentinelPorts: number[] = [];

  private constructor(
    private readonly dir: string,
    private readonly downAfterMs: number,
  ) {}

  static async start(
    options: { replicas?: number; sentinels?: number; downAfterMs?: number } = {},
  ): Promise<SentinelGroup> {
    PrivateRedis.assertAvailable();
    const group = new SentinelGroup(
      await mkdtemp(join(tmpdir(), 'ainfographic-sentinel-')),
      options.downAfterMs ?? 1000,
    );
    try {
      const primary = await group.startNode();
      for (let i = 0; i < (options.replicas ?? 1); i++) {
        await group.startNode(primary);
      }
      for (let i = 0; i < (options.sentinels ?? 3); i++) {
        await group.startSentinel(primary);
      }
      await group.waitUntilSettled(primary);
      return group;
    } catch (error) {
      await group.stop();
      throw error;
    }
  }

  /** For REDIS_SENTINELS. */
  get sentinelList(): string {
    return this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',');
  }

  /** The primary's port, as the sentinels answer it now. */
  async primaryPort(): Promise<number> {
    const errors: string[] = [];
    for (const port of this.sentinelPorts) {
      const sentinel = quickClient(port);
      try {
        const answer = (await sentinel.call(
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          this.masterName,
        )) as [string, string];
        return Number(answer[1]);
      } catch (error) {
        errors.push((error as Error).message);
      } finally {
        sentinel.disconnect();
      }
    }
    throw new Error(`no sentinel answered: ${errors.join('; ')}`);
  }

  /**
   * Stops replication without stopping the primary: its replicas are disconnected and cannot log
   * in again, so every write acknowledged from now on exists on the primary alone, the writes an
   * asynchronous replica can lose in a failover, made certain rather than left to timing.
   */
  async cutReplication(): Promise<void> {
    const primary = quickClient(await this.primaryPort());
    try {
      await primary.call('ACL', 'SETUSER', REPLICATION_USER, 'off');
      await primary.call('CLIENT', 'KILL', 'USER', REPLICATION_USER);
    } finally {
      primary.disconnect();
    }
  }

  /** `kill -9` of the current primary; resolves with its port once it is gone. */
  async killPrimary(): Promise<number> {
    const port = await this.primaryPort();
    const node = this.nodes.get(port);
    if (!node) {
      throw new Error(`the sentinels name port ${port}, which is not one of this group's nodes`);
    }
    await node.process.kill9();
    this.nodes.delete(port);
    return port;
  }

  /** Resolves when the sentinels name a primary other than `oldPort` and it answers as one. */
  async waitForPromotion(oldPort: number, timeoutMs = 30_000): Promise<number> {
    return waitFor(
      async () => {
        const port = await this.primaryPort();
        if (port === oldPort) {
          return 0;
        }
        const client = quickClient(port);
        try {
          const [role] = (await client.call('ROLE')) as [string];
          return role === 'master' ? port : 0;
        } finally {
          client.disconnect();
        }
      },
      (port) => port > 0,
      { timeoutMs, intervalMs: 50, describe: `a replica to be promoted in place of ${oldPort}` },
    );
  }

  /**
   * Starts a fresh (empty) replica of the current primary and waits until it has synced and every
   * sentinel counts it as a healthy replica (they learn of replicas from the primary's INFO, every
   * 10 s): until then a second failover would find no replica to promote.
   */
  async addReplica(): Promise<void> {
    const primary = await this.primaryPort();
    const port = await this.startNode(primary);
    await this.waitForSync(port);
    for (const sentinelPort of this.sentinelPorts) {
      await waitFor(
        async () => {
          const sentinel = quickClient(sentinelPort);
          try {
            const replicas = (await sentinel.call(
              'SENTINEL',
              'REPLICAS',
              this.masterName,
            )) as string[][];
            return replicas.some((fields) => {
              const info = new Map<string, string>();
              for (let i = 0; i + 1 < fields.length; i += 2) {
                info.set(fields[i], fields[i + 1]);
              }
              return info.get('port') === String(port) && info.get('flags') === 'slave';
            });
          } finally {
            sentinel.disconnect();
          }
        },
        (known) => known,
        {
          timeoutMs: 30_000,
          intervalMs: 250,
          describe: `sentinel ${sentinelPort} to know ${port}`,
        },
      );
    }
  }

  async stop(): Promise<void> {
    await Promise.all([
      ...this.sentinelProcesses.map((p) => p.stop(3000)),
      ...[...this.nodes.values()].map((n) => n.process.stop(3000)),
    ]);
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A data node, a replica of `primaryPort` when given. */
  private async startNode(primaryPort?: number): Promise<number> {
    const port = await freePort();
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--loglevel',
      'warning',
      '--repl-diskless-sync',
      'yes',
      '--repl-diskless-sync-delay',
      '0',
      // Every node knows the replication login: any of them may become a replica after a failover.
      '--user',
      REPLICATION_USER,
      'on',
      `>${REPLICATION_PASSWORD}`,
      '+@all',
      '~*',
      '&*',
      '--masteruser',
      REPLICATION_USER,
      '--masterauth',
      REPLICATION_PASSWORD,
      ...(primaryPort ? ['--replicaof', '127.0.0.1', String(primaryPort)] : []),
    ];
    const process = new ManagedProcess(`redis-${port}`, 'redis-server', args);
    this.nodes.set(port, { port, process });
    await waitFor(
      async () => {
        if (!process.running) {
          throw new Error(`redis-server exited at start:\n${process.tail()}`);
        }
        const client = quickClient(port);
        try {
          return await client.ping();
        } finally {
          client.disconnect();
        }
      },
      (answer) => answer === 'PONG',
      { timeoutMs: 10_000, describe: `redis-server on ${port} to answer` },
    );
    return port;
  }

  private async startSentinel(primaryPort: number): Promise<void> {
    const port = await freePort();
    const file = join(this.dir, `sentinel-${port}.conf`);
    // Sentinel rewrites its file (what it learns), so each gets a writable one of its own.
    await writeFile(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${this.masterName} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${this.masterName} ${this.downAfterMs}`,
        `sentinel failover-timeout ${this.masterName} ${Math.max(3000, this.downAfterMs * 3)}`,
        `sentinel parallel-syncs ${this.masterName} 1`,
        '',
      ].join('\n'),
    );
    const process = new ManagedProcess(`sentinel-${port}`, 'redis-server', [file, '--sentinel']);
    this.sentinelProcesses.push(process);
    this.sentinelPorts.push(port);
    await waitFor(
      async () => {
        if (!process.running) {
          throw new Error(`redis-sentinel exited at start:\n${process.tail()}`);
        }
        const client = quickClient(port);
        try {
          return await client.ping();
        } finally {
          client.disconnect();
        }
      },
      (answer) => answer === 'PONG',
      { timeoutMs: 10_000, describe: `sentinel on ${port} to answer` },
    );
  }

  /** Replicas in sync and every sentinel aware of the replicas and of the other sentinels. */
  private async waitUntilSettled(primaryPort: number): Promise<void> {
    for (const port of this.nodes.keys()) {
      if (port !== primaryPort) {
        await this.waitForSync(port);
      }
    }
    const replicas = this.nodes.size - 1;
    const others = this.sentinelPorts.length - 1;
    for (const port of this.sentinelPorts) {
      await waitFor(
        async () => {
          const sentinel = quickClient(port);
          try {
            const known = (await sentinel.call('SENTINEL', 'REPLICAS', this.masterName)) as [];
            const peers = (await sentinel.call('SENTINEL', 'SENTINELS', this.masterName)) as [];
            return known.length >= replicas && peers.length >= others;
          } finally {
            sentinel.disconnect();
          }
        },
        (settled) => settled,
        { timeoutMs: 20_000, intervalMs: 200, describe: `sentinel ${port} to know its peers` },
      );
    }
  }

  private async waitForSync(port: number): Promise<void> {
    await waitFor(
      async () => {
        const client = quickClient(port);
        try {
          return await client.info('replication');
        } finally {
          client.disconnect();
        }
      },
      (info) => /master_link_status:up/.test(info),
      { timeoutMs: 15_000, describe: `the replica on ${port} to sync` },
    );
  }
}

/** A one-shot client that neither retries nor queues: a dead node fails the call at once. */
function quickClient(port: number): IORedis {
  const client = new IORedis({
    host: '127.0.0.1',
    port,
    lazyConnect: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    // Generous: the drills run the apps in this same process, whose event loop is busy.
    connectTimeout: 2000,
    commandTimeout: 5000,
  });
  client.on('error', () => undefined);
  return client;
}
