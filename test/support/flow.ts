import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';

import { buildFalSim, falSimUrl } from '../../apps/fal-sim/src/fal-sim.app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import {
  TestApi,
  httpRequest,
  startTestApi,
  takeOverOutOfContextLogs,
  testConfig,
} from './test-app';
import { waitFor } from './wait-for';

export interface Flow {
  api: TestApi;
  worker: INestApplicationContext;
  sim: FastifyInstance;
  simUrl: string;
  /** Polls the status endpoint until the infograph is completed or failed. */
  waitForTerminal(
    token: string,
    id: string,
    timeoutMs?: number,
  ): Promise<{
    status: string;
    image_url: string | null;
    error_message: string | null;
    error_code: string | null;
  }>;
  close(): Promise<void>;
}

/**
 * The whole product in-process on loopback: fal-sim (fast), the api and the worker, sharing the
 * run's database and Redis prefix, with compressed retry and reconcile timings. `apiLogs` and
 * `workerLogs` receive each app's log lines (pass `LOG_LEVEL` too: tests run silent).
 */
export async function startFlow(
  settings: Record<string, string> = {},
  logs: { apiLogs?: DestinationStream; workerLogs?: DestinationStream } = {},
): Promise<Flow> {
  const sim = await buildFalSim({
    port: 0,
    host: '127.0.0.1',
    latencyMs: 50,
    seed: 'e2e',
    webhookRetryBaseMs: 100,
    logger: false,
  });
  const simUrl = falSimUrl(sim);
  const storageDir = await mkdtemp(join(tmpdir(), 'ainfographic-files-'));
  const common = {
    FAL_SIM_PORT: new URL(simUrl).port,
    LOCAL_STORAGE_DIR: storageDir,
    JOB_BACKOFF_MS: '50',
    JOB_ATTEMPTS: '3',
    RECONCILE_INTERVAL_MS: '300',
    RECONCILE_PENDING_AFTER_MS: '2000',
    RECONCILE_PROCESSING_AFTER_MS: '1000',
    // The fal slot limiter on, but above what a test keeps at fal (fal-capacity's own test sets it).
    FAL_MAX_IN_FLIGHT: '8',
    ...settings,
  };
  const api = await startTestApi(common, { logDestination: logs.apiLogs });
  if (logs.workerLogs) {
    takeOverOutOfContextLogs();
  }
  const worker = await NestFactory.createApplicationContext(
    WorkerModule.forRoot(testConfig({ ...common, PUBLIC_API_URL: api.url }), {
      logDestination: logs.workerLogs,
    }),
    logs.workerLogs
      ? { bufferLogs: true, abortOnError: false }
      : { logger: false, abortOnError: false },
  );
  if (logs.workerLogs) {
    // As the worker's main.ts does: Nest's Logger writes through the worker's root logger.
    worker.useLogger(worker.get(PinoLogger));
  }
  await worker.init();
  return {
    api,
    worker,
    sim,
    simUrl,
    waitForTerminal: async (token, id, timeoutMs = 20_000) =>
      (
        await waitFor(
          () => httpRequest(api.url, 'GET', `/api/infographs/status/${id}/`, { token }),
          (r) => r.body?.status === 'completed' || r.body?.status === 'failed',
          { timeoutMs, describe: `infograph ${id} to finish` },
        )
      ).body,
    close: async () => {
      await worker.close();
      await api.close();
      await sim.close();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}
