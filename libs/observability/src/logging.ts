import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { AppConfig } from '@app/config';
import { DynamicModule } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import pino, { Logger } from 'pino';

/** Never logged: credentials and signatures, wherever they appear. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-fal-webhook-signature"]',
  'req.query.token',
  'res.headers["set-cookie"]',
];

/** Never logged per request: probes and scrapes every few seconds would drown the rest. */
const QUIET_PATHS = /^\/(health|metrics)/;

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** The process's one pino logger: JSON (pretty in development), secrets redacted. */
export function createRootLogger(config: AppConfig, app: 'api' | 'worker'): Logger {
  const pretty = config.env === 'development' && prettyAvailable();
  return pino({
    name: app,
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    transport: pretty
      ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss' } }
      : undefined,
  });
}

/** Nest's `Logger` writes through `root` (in a request: through that request's child logger). */
export function loggingModule(root: Logger): DynamicModule {
  // No per-request middleware: Fastify makes each request's child logger, and
  // `bindRequestLoggers` puts it in Nest's logging context.
  return LoggerModule.forRoot({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [] });
}

/** A request's id: the proxy's `x-request-id` when it looks like one, else a fresh UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
}

/** Fastify's request log lines: one per request when it ends, at a level by its status. */
export class RequestLogController extends LogController {
  constructor() {
    super({ disableRequestLogging: (request) => QUIET_PATHS.test(request.url) });
  }

  override incomingRequest(): void {
    // The completion line says it all.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) {
      return;
    }
    const status = reply.statusCode;
    const level = error || status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    request.log[level](
      {
        req: { method: request.method, url: request.url },
        res: { statusCode: status },
        responseTime: reply.elapsedTime,
        ...(error ? { err: error } : {}),
      },
      'request completed',
    );
  }
}

/**
 * Nest's loggers inside a handler write through the request's logger, so their lines carry its
 * `reqId`. Bound once the body is read: a body arrives in socket events, which would not carry it.
 */
export function bindRequestLoggers(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request, _reply, done) => {
    // Fastify's request logger is a pino child of the root logger (`createRootLogger`).
    storage.run(new Store(request.log as Logger), done);
  });
}
