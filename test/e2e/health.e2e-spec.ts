import { NestFactory } from '@nestjs/core';

import { HealthServer } from '../../apps/worker/src/health/health-server';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { TestApi, httpRequest, startTestApi, testConfig } from '../support/test-app';

describe('health', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('api: live and ready without a token', async () => {
    expect((await api.request('GET', '/health/live')).body).toEqual({ status: 'ok' });
    const ready = await api.request('GET', '/health/ready/');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ok',
      checks: { database: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('api: not ready, quickly, when Redis is unreachable', async () => {
    const broken = await startTestApi({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const started = Date.now();
      const ready = await broken.request('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.redis.status).toBe('down');
      expect(ready.body.checks.database.status).toBe('up');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await broken.close();
    }
  });

  it('worker: serves the same endpoints on its own port', async () => {
    const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(testConfig()), {
      logger: false,
      abortOnError: false,
    });
    await worker.init();
    try {
      const base = `http://127.0.0.1:${worker.get(HealthServer).port()}`;
      // The worker's own port: its readiness also reports the fal circuit, which the api's does not.
      const notTheApi = { skipContractCheck: "the worker's health port, not the api" };
      expect((await httpRequest(base, 'GET', '/health/live', notTheApi)).body).toEqual({
        status: 'ok',
      });
      const ready = await httpRequest(base, 'GET', '/health/ready', notTheApi);
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
    } finally {
      await worker.close();
    }
  });
});
