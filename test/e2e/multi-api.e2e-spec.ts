import http from 'node:http';

import WebSocket from 'ws';

import { checkSocketMessage } from '../support/contract-check';
import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { TestApi, startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** Opens `/api/events/` (SSE) and pushes each event's JSON `data:` into `messages`. */
function openEventStream(
  baseUrl: string,
  token: string,
  messages: any[],
): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${baseUrl}/api/events/`,
      { headers: { authorization: `Token ${token}` } },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`SSE answered ${response.statusCode}`));
          return;
        }
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const data = buffer
              .slice(0, end)
              .split('\n')
              .filter((line) => line.startsWith('data:'))
              .map((line) => line.slice(5).trimStart())
              .join('\n');
            buffer = buffer.slice(end + 2);
            if (data) {
              messages.push(JSON.parse(data));
            }
          }
        });
        resolve(request);
      },
    );
    request.on('error', reject);
  });
}

/**
 * Two api processes behind one load balancer share a Postgres and a Redis and nothing else: a user's
 * socket may sit on one while fal's webhook for their infograph lands on the other, and their
 * creates may alternate between the two. Both apis run in this process but share no memory that
 * matters: events travel through Redis pub/sub, counts live in Redis.
 */
describe('two apis on one database and Redis', () => {
  const settings = { RATE_LIMIT_CREATE_PER_MINUTE: '3' };
  /** Api B: the worker's PUBLIC_API_URL, so every fal webhook lands here. */
  let flow: Flow;
  /** Api A: holds the user's socket, and never hears from fal. */
  let apiA: TestApi;

  beforeAll(async () => {
    flow = await startFlow(settings);
    apiA = await startTestApi(settings);
  });
  afterAll(async () => {
    await apiA.close();
    await flow.close();
  });

  it("delivers an infograph's events to a socket and a stream on the api that fal's webhook did not reach", async () => {
    const { token } = await aUserWithCredits(apiA.app, 2);
    const messages: any[] = [];
    const streamed: any[] = [];
    const stream = await openEventStream(apiA.url, token, streamed);
    const socket = new WebSocket(`${apiA.url.replace(/^http/, 'ws')}/api/ws`, {
      headers: { authorization: `Token ${token}` },
    });
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8'))));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      await waitFor(
        () => [...messages, ...streamed],
        (all) => all.filter((m) => m.type === 'hello').length === 2,
        { timeoutMs: 5_000, intervalMs: 20, describe: 'hello on both of api A' },
      );
      const created = await flow.api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt: 'Two apis', aspect_ratio: '1:1', resolution: '1K' },
      });
      expect(created.status).toBe(201);
      const id = created.body.infographs[0].id as string;

      const completed = (m: any) =>
        m.type === 'infograph.updated' &&
        m.infograph.id === id &&
        m.infograph.status === 'completed';
      await waitFor(
        () => [messages, streamed],
        (both) => both.every((all) => all.some(completed)),
        { timeoutMs: 20_000, intervalMs: 20, describe: 'the completed event on api A, twice' },
      );
      expect(streamed.find(completed)).toEqual(messages.find(completed));
      const event = messages.find(completed);
      await checkSocketMessage(event);
      // The same infograph as the api fal called back sees it.
      const status = await apiA.request('GET', `/api/infographs/status/${id}/`, { token });
      expect(event.infograph).toMatchObject({
        id,
        status: 'completed',
        image_url: status.body.image_url,
      });
    } finally {
      socket.terminate();
      stream.destroy();
    }
  });

  it('counts one create rate limit across both apis', async () => {
    const { token } = await aUserWithCredits(apiA.app, 10);
    // A fixed one-minute window: start at least 5 s before it ends, so all four creates share it.
    await waitFor(
      () => Date.now() % 60_000,
      (intoWindow) => intoWindow < 55_000,
      { timeoutMs: 20_000, intervalMs: 200, describe: 'a fresh rate-limit window' },
    );
    const create = (api: TestApi) =>
      api.request('POST', '/api/infographs/create/', { token, body: { prompt: 'p' } });

    const left: string[] = [];
    for (const api of [apiA, flow.api, apiA]) {
      const response = await create(api);
      expect(response.status).toBe(201);
      left.push(/;r=(\d+);/.exec(response.headers.get('ratelimit')!)![1]);
    }
    expect(left).toEqual(['2', '1', '0']);
    const refused = await create(flow.api);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBeDefined();
  });
});
