import { randomUUID } from 'node:crypto';

import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';

import { aUserWithCredits } from '../support/factories';
import { TestApi, startTestApi } from '../support/test-app';

const USER = 'ops';
const PASSWORD = 'correct-horse-battery';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const GOOD = basic(USER, PASSWORD);
const BAD = basic(USER, 'wrong-password!!');

/**
 * A dashboard api with its own Redis prefix, so the login throttle's counters and the queues of
 * one test never meet another's (global teardown still removes them: same run prefix).
 */
function startDashboardApi(settings: Record<string, string> = {}): Promise<TestApi> {
  return startTestApi({
    ADMIN_USER: USER,
    ADMIN_PASSWORD: PASSWORD,
    QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-${randomUUID().slice(0, 8)}`,
    ...settings,
  });
}

const queues = (api: TestApi, auth: string, headers: Record<string, string> = {}) =>
  api.request('GET', '/admin/queues/api/queues', { headers: { authorization: auth, ...headers } });

describe('queue dashboard authentication', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startDashboardApi();
  });
  afterAll(() => api.close());

  it('answers a malformed token header with 401, not 500', async () => {
    for (const authorization of ['Token a b', 'Bearer', 'Token']) {
      const res = await api.request('GET', '/admin/queues', { headers: { authorization } });
      expect([authorization, res.status]).toEqual([authorization, 401]);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
  });
});

describe('queue dashboard login throttle', () => {
  it('refuses the 11th bad guess from one address with 429 and Retry-After, and then even the right password', async () => {
    const api = await startDashboardApi();
    try {
      // A good login before the limit works, and does not count as a failure.
      expect((await queues(api, GOOD)).status).toBe(200);
      for (let i = 0; i < 10; i++) {
        expect([i, (await queues(api, BAD)).status]).toEqual([i, 401]);
      }
      const throttled = await queues(api, BAD);
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(throttled.body.message).toMatch(/Too many failed/);
      const right = await queues(api, GOOD);
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await api.close();
    }
  });

  it('counts failures per account too, so rotating addresses does not help', async () => {
    const api = await startDashboardApi({
      TRUST_PROXY: 'true',
      ADMIN_LOGIN_MAX_FAILURES_PER_IP: '10',
      ADMIN_LOGIN_MAX_FAILURES: '5',
    });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await queues(api, BAD, { 'x-forwarded-for': `203.0.113.${i + 1}` });
        expect([i, res.status]).toEqual([i, 401]);
      }
      const fresh = { 'x-forwarded-for': '203.0.113.99' };
      expect((await queues(api, BAD, fresh)).status).toBe(429);
      expect((await queues(api, GOOD, fresh)).status).toBe(429);
      // An admin's API token is still let in: the account lock cannot shut admins out entirely.
      const { token } = await aUserWithCredits(api.app, 0, { isAdmin: true });
      expect((await queues(api, `Token ${token}`, fresh)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('ignores X-Forwarded-For by default: one client cannot pose as many', async () => {
    const api = await startDashboardApi({ ADMIN_LOGIN_MAX_FAILURES_PER_IP: '2' });
    try {
      expect((await queues(api, BAD, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(401);
      expect((await queues(api, BAD, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(401);
      expect((await queues(api, BAD, { 'x-forwarded-for': '203.0.113.3' })).status).toBe(429);
    } finally {
      await api.close();
    }
  });

  it('uses X-Forwarded-For with TRUST_PROXY=true: clients behind a proxy are told apart', async () => {
    const api = await startDashboardApi({
      TRUST_PROXY: 'true',
      ADMIN_LOGIN_MAX_FAILURES_PER_IP: '2',
    });
    try {
      expect((await queues(api, BAD, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(401);
      expect((await queues(api, BAD, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(401);
      expect((await queues(api, BAD, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
      expect((await queues(api, BAD, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(401);
    } finally {
      await api.close();
    }
  });
});

describe('queue dashboard actions', () => {
  /** Adds a job that no worker takes (no worker runs here), to see whether the queue is emptied. */
  async function aWaitingJob(api: TestApi): Promise<Queue> {
    const queue = api.app.get<Queue>(getQueueToken('notify'), { strict: false });
    await queue.add('notify', { infographId: randomUUID() });
    return queue;
  }

  it('are refused by default (read-only) and the queue is untouched', async () => {
    const api = await startDashboardApi();
    try {
      const queue = await aWaitingJob(api);
      const res = await api.request('PUT', '/admin/queues/api/queues/notify/empty', {
        headers: { authorization: GOOD },
      });
      expect(res.status).toBe(405);
      const obliterate = await api.request('PUT', '/admin/queues/api/queues/notify/obliterate', {
        headers: { authorization: GOOD },
        body: {},
      });
      expect(obliterate.status).toBe(405);
      expect(await queue.getWaitingCount()).toBe(1);
      // Reading still works.
      expect((await queues(api, GOOD)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('work with ADMIN_QUEUE_ACTIONS=true', async () => {
    const api = await startDashboardApi({ ADMIN_QUEUE_ACTIONS: 'true' });
    try {
      const queue = await aWaitingJob(api);
      const res = await api.request('PUT', '/admin/queues/api/queues/notify/empty', {
        headers: { authorization: GOOD },
      });
      expect(res.status).toBe(200);
      expect(await queue.getWaitingCount()).toBe(0);
    } finally {
      await api.close();
    }
  });
});
