import type { AppConfig } from '@app/config';
import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';

import {
  RequestLogController,
  bindRequestLoggers,
  createRootLogger,
  requestIdOf,
} from '@app/observability';

import { ApiModule } from './api.module';
import { BODY_LIMIT_BYTES, limitRouteBodies } from './http/body-limits';
import { allowCrossOrigin } from './http/cors';
import { closeConnectionsOnShutdown } from './http/graceful-close';
import { answerFastifyErrors } from './http/fastify-errors';
import { refuseHostileJson } from './http/json-shape';
import { acceptUnsubscribeMultipart } from './http/unsubscribe-form-body';
import { echoRequestId } from './http/request-id';
import { observeRequestDurations } from './http/request-metrics';
import { registerSecurityHeaders } from './http/security-headers';
import { httpServerOptions } from './http/server-options';
import { setUpOpenApi } from './ops/openapi';
import { createValidationPipe } from './http/validation.pipe';

/**
 * Builds the api (not yet listening), shared by `main.ts` and the e2e tests. `logDestination`
 * (stdout when absent) lets tests read the log lines.
 */
export async function createApiApp(
  config: AppConfig,
  options: { logDestination?: DestinationStream } = {},
): Promise<NestFastifyApplication> {
  const rootLogger = createRootLogger(config, 'api', options.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: rootLogger,
    genReqId: requestIdOf,
    logController: new RequestLogController(),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { ignoreTrailingSlash: true },
    ...httpServerOptions(config),
  });
  limitRouteBodies(adapter.getInstance());
  answerFastifyErrors(adapter.getInstance());
  acceptUnsubscribeMultipart(adapter.getInstance());
  closeConnectionsOnShutdown(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config, rootLogger),
    adapter,
    {
      bufferLogs: true,
      // Keeps the raw bytes of JSON bodies: fal's webhook signature covers exactly those.
      rawBody: true,
    },
  );
  app.useLogger(app.get(Logger));
  // Parses the session cookie for the guard (request.cookies) and lets the accounts set it.
  // Pinned to @fastify/cookie 11.0.x: 11.1 loads the ESM-only `cookie` 2 with a dynamic import,
  // which the test runner (Jest, CommonJS) cannot execute.
  await app.register(fastifyCookie);
  bindRequestLoggers(app.getHttpAdapter().getInstance());
  registerSecurityHeaders(app, config);
  echoRequestId(app);
  allowCrossOrigin(app, config);
  refuseHostileJson(app);
  app.useGlobalPipes(createValidationPipe());
  observeRequestDurations(app);
  setUpOpenApi(app, config);
  // On SIGTERM/SIGINT: stop accepting, finish in-flight requests, close, then exit 0 (Nest's
  // default re-raises the signal instead, which ends the process before pino's buffer is flushed).
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  return app;
}
