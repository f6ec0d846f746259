import { createServer, Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';

import { buildFalSim, falSimUrl } from '../../apps/fal-sim/src/fal-sim.app';
import { aUserWithCredits } from '../support/factories';
import { freePort } from '../support/free-port';
import { startNode, waitForExit } from '../support/processes';
import { TestApi, startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** A job in flight when its worker is told to stop is finished, not lost. */
describe('worker shutdown', () => {
  let sim: FastifyInstance;
  let api: TestApi;
  let blog: Server;
  let blogPort: number;
  let storageDir: string;
  let blogRequests = 0;
  let workerEnv: Record<string, string>;

  beforeAll(async () => {
    sim = await buildFalSim({
      port: 0,
      host: '127.0.0.1',
      latencyMs: 50,
      seed: 'lifecycle',
      logger: false,
    });
    blog = createServer((_req, res) => {
      blogRequests += 1;
      // Slow on purpose: the submit job is still active when the worker gets SIGTERM.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          '<html><head><title>Slow post</title></head><body><article><p>Patience is a virtue worth a chart.</p></article></body></html>',
        );
      }, 2500);
    });
    await new Promise<void>((r) => blog.listen(0, '127.0.0.1', r));
    blogPort = (blog.address() as AddressInfo).port;
    storageDir = await mkdtemp(join(tmpdir(), 'ainfographic-lifecycle-'));
    const simPort = new URL(falSimUrl(sim)).port;
    api = await startTestApi({ FAL_SIM_PORT: simPort, LOCAL_STORAGE_DIR: storageDir });
    workerEnv = {
      FAL_SIM_PORT: simPort,
      PUBLIC_API_URL: api.url,
      LOCAL_STORAGE_DIR: storageDir,
      SCRAPER_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${blogPort}`,
      WORKER_HEALTH_PORT: '0',
      SHUTDOWN_GRACE_MS: '15000',
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await api.close();
    await sim.close();
    await new Promise((r) => blog.close(r));
    await rm(storageDir, { recursive: true, force: true });
  });

  it('finishes the active job on SIGTERM, exits cleanly, and the next worker completes the infograph', async () => {
    const first = startNode('apps/worker/src/main.js', workerEnv);
    const { token } = await aUserWithCredits(api.app, 1);
    const created = await api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'slow blog', blog_url: `http://127.0.0.1:${blogPort}/post` },
    });
    const id = created.body.infographs[0].id as string;
    await waitFor(
      () => blogRequests,
      (n) => n > 0,
      { timeoutMs: 15_000, describe: 'the submit job to start' },
    );

    first.child.kill('SIGTERM');
    expect(await waitForExit(first.child, 20_000)).toBe(0);
    expect(first.output()).toContain('SIGTERM: finishing active jobs');
    // The job ran to its end before the worker left: the infograph was submitted to fal.
    const afterStop = await api.request('GET', `/api/infographs/status/${id}/`, { token });
    expect(afterStop.body.status).toBe('processing');

    const second = startNode('apps/worker/src/main.js', workerEnv);
    try {
      const done = await waitFor(
        () => api.request('GET', `/api/infographs/status/${id}/`, { token }),
        (r) => r.body.status === 'completed' || r.body.status === 'failed',
        { timeoutMs: 20_000, describe: 'the infograph to finish' },
      );
      expect(done.body.status).toBe('completed');
      expect(blogRequests).toBe(1);
    } finally {
      second.child.kill('SIGTERM');
      await waitForExit(second.child, 20_000);
    }
  });
});

/** Resolves true once a TCP connection to the port is accepted, false when it is refused. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The api in its own process: SIGTERM stops it accepting and lets in-flight requests finish. */
describe('api shutdown', () => {
  let helper: TestApi;
  let port: number;
  let api: ReturnType<typeof startNode> | undefined;
  let socket: Socket | undefined;

  beforeAll(async () => {
    helper = await startTestApi();
    port = await freePort();
    api = startNode('apps/api/src/main.js', { API_PORT: String(port), LOG_LEVEL: 'info' });
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/health/live`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      { timeoutMs: 30_000, describe: `the api to listen\n${api.output()}` },
    );
  });
  afterAll(async () => {
    socket?.destroy();
    if (api && api.child.exitCode === null && api.child.signalCode === null) {
      api.child.kill('SIGKILL');
      await waitForExit(api.child, 10_000).catch(() => undefined);
    }
    await helper.close();
  });

  it('answers a request whose body is still arriving, refuses new connections, then exits 0', async () => {
    const { token } = await aUserWithCredits(helper.app, 3);
    const body = Buffer.from(JSON.stringify({ prompt: 'a request caught by the shutdown' }));
    const conn = connect(port, '127.0.0.1');
    socket = conn;
    let received = '';
    conn.on('data', (d: Buffer) => (received += d.toString()));
    conn.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      conn.once('connect', resolve);
      conn.once('error', reject);
    });
    conn.write(
      [
        'POST /api/infographs/create/ HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        `Authorization: Token ${token}`,
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
        '',
        '',
      ].join('\r\n'),
    );
    // A few bytes of the body: the request is in flight, its handler has not run yet.
    conn.write(body.subarray(0, 5));

    api!.child.kill('SIGTERM');
    // Once the api has stopped accepting, a new connection is refused...
    await waitFor(
      () => accepts(port),
      (accepted) => !accepted,
      { timeoutMs: 15_000, describe: `the api to stop accepting\n${api!.output()}` },
    );
    // ...while the request that was already arriving is still being read: send the rest slowly.
    for (let at = 5; at < body.length; at += 8) {
      conn.write(body.subarray(at, at + 8));
      await new Promise((r) => setTimeout(r, 20));
    }

    const response = await waitFor(
      () => received,
      (text) => /\r\n\r\n[\s\S]*\}\s*$/.test(text),
      { timeoutMs: 15_000, describe: `the create answer\n${received}\n${api!.output()}` },
    );
    expect(response).toMatch(/^HTTP\/1\.1 201 /);
    const answer = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
    expect(answer).toMatchObject({ total_submitted: 1, credits_used: 1 });
    const me = await helper.request('GET', '/api/me/', { token });
    expect(me.body.balance).toBe(2);

    expect(await waitForExit(api!.child, 20_000)).toBe(0);
  });
});
