import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { AppConfig } from '@app/config';
import { DynamicModule } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import pino, { DestinationStream, Logger } from 'pino';

/** Never logged: credentials and signatures, wherever they appear. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-fal-webhook-signature"]',
  'req.query.token',
  'res.headers["set-cookie"]',
];

/**
 * A URL as logged: its path only. Query strings carry credentials (a WebSocket ticket, the
 * webhook URL's token, a client's misplaced `?token=`), so no log line ever holds one; this also
 * keeps them out of wherever the logs are shipped.
 */
export function pathOf(url: string | undefined): string | undefined {
  const query = url?.indexOf('?') ?? -1;
  return query === -1 ? url : url!.slice(0, query);
}

interface LoggableRequest {
  method?: string;
  url?: string;
  route?: string;
  routeOptions?: { url?: string };
}

/**
 * Every `req` in a log line, ours or Fastify's own (errors, "not found"): method, path and the
 * matched route pattern (`/api/infographs/status/:id`), which groups lines without the ids.
 */
function requestForLog(request: LoggableRequest): {
  method?: string;
  url?: string;
  route?: string;
} {
  return {
    method: request.method,
    url: pathOf(request.url),
    route: request.route ?? request.routeOptions?.url,
  };
}

const SERIALIZERS = {
  req: requestForLog,
  // @fastify/websocket logs an upgrade to a path without a WebSocket handler as `{ path: url }`.
  path: (value: unknown) => (typeof value === 'string' ? pathOf(value) : value),
};

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

/**
 * The process's one pino logger: JSON (pretty in development), secrets redacted. `destination`
 * (stdout when absent) lets tests read the lines.
 */
export function createRootLogger(
  config: AppConfig,
  app: 'api' | 'worker',
  destination?: DestinationStream,
): Logger {
  const pretty = config.env === 'development' && prettyAvailable() && !destination;
  return pino(
    {
      name: app,
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      // Take precedence over Fastify's own serializers (it merges the root logger's over them).
      serializers: SERIALIZERS,
      transport: pretty
        ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss' } }
        : undefined,
    },
    destination,
  );
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

/**
 * Runs `work` with every line that Nest's loggers write inside it, ours or a library's (the
 * mailer's, say), written through a child of `base` bound to `bindings`: the worker binds each
 * job's infographId, jobId and queue this way, so no line a job writes can leave them out.
 */
export function withLogBindings<T>(
  base: Logger,
  bindings: Record<string, unknown>,
  work: () => Promise<T>,
): Promise<T> {
  return storage.run(new Store(base.child(bindings)), work);
}

/** Requests whose completion line is left out (see `skipRequestLog`). */
const unlogged = new WeakSet<object>();

/**
 * Leaves this request's completion line out: for requests that anyone can send in bulk and that a
 * handler already sampled (forged webhooks), so a flood of them cannot flood the logs.
 */
export function skipRequestLog(request: FastifyRequest): void {
  unlogged.add(request);
}

/** Fastify's request log lines: one per request when it ends, at a level by its status. */
export class RequestLogController extends LogController {
  constructor() {
    super({
      disableRequestLogging: (request) => QUIET_PATHS.test(request.url) || unlogged.has(request),
    });
  }

  override incomingRequest(): void {
    // The completion line says it all.
  }

  override routeNotFound(request: FastifyRequest): void {
    // Fastify's own line holds the raw URL, query and all.
    if (!this.isLogDisabled(request)) {
      request.log.info(`Route ${request.method}:${pathOf(request.url)} not found`);
    }
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
        req: requestForLog(request),
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
