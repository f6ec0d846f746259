import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import IORedis from 'ioredis';

import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { PrivateRedis } from './redis-server';
import { waitFor } from './wait-for';

/**
 * A Redis Cluster of `masters` primaries (no replicas) on loopback, each a real redis-server in
 * cluster mode on a free port, slots spread by `redis-cli --cluster create`. Nothing persisted;
 * the nodes' cluster files live in a temporary folder removed by `stop`.
 */
export class PrivateRedisCluster {
  private readonly processes: ManagedProcess[] = [];
  readonly ports: number[] = [];

  private constructor(private readonly dir: string) {}

  static async start(masters = 3): Promise<PrivateRedisCluster> {
    PrivateRedis.assertAvailable();
    const cluster = new PrivateRedisCluster(await mkdtemp(join(tmpdir(), 'ainfographic-cluster-')));
    try {
      for (let i = 0; i < masters; i++) {
        await cluster.startNode();
      }
      await cluster.create();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** For REDIS_CLUSTER_NODES. */
  get nodeList(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop(3000)));
    await rm(this.dir, { recursive: true, force: true });
  }

  private async startNode(): Promise<void> {
    const port = await freePort();
    const process = new ManagedProcess(`redis-cluster-${port}`, 'redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      '2000',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ]);
    this.processes.push(process);
    this.ports.push(port);
    await waitFor(
      async () => {
        if (!process.running) {
          throw new Error(`redis-server exited at start:\n${process.tail()}`);
        }
        return ping(port);
      },
      (answer) => answer === 'PONG',
      { timeoutMs: 10_000, describe: `cluster node ${port} to answer` },
    );
  }

  /** Assigns the slots and introduces the nodes, then waits until every node says the cluster is ok. */
  private async create(): Promise<void> {
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0) {
      throw new Error(`redis-cli --cluster create failed:\n${created.stdout}\n${created.stderr}`);
    }
    for (const port of this.ports) {
      await waitFor(
        async () => {
          const client = new IORedis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
          try {
            return await client.cluster('INFO');
          } finally {
            client.disconnect();
          }
        },
        (info) => /cluster_state:ok/.test(info),
        { timeoutMs: 20_000, intervalMs: 200, describe: `cluster node ${port} to report ok` },
      );
    }
  }
}

async function ping(port: number): Promise<string> {
  const client = new IORedis({
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
  });
  client.on('error', () => undefined);
  try {
    return await client.ping();
  } finally {
    client.disconnect();
  }
}
