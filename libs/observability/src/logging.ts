import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { AppConfig } from '@app/config';
import { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

/** Never logged: credentials and signatures, wherever they appear. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-fal-webhook-signature"]',
  'req.query.token',
  'res.headers["set-cookie"]',
];

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON logs with pino (pretty in development), a request id on every api line (taken from
 * `x-request-id` when a proxy sets one), secrets redacted.
 */
export function loggingModule(config: AppConfig, app: 'api' | 'worker'): DynamicModule {
  const pretty = config.env === 'development' && prettyAvailable();
  return LoggerModule.forRoot({
    pinoHttp: {
      name: app,
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      genReqId: (req: IncomingMessage) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
      },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      // Health probes and scrapes every few seconds would drown everything else.
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
      transport: pretty
        ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss' } }
        : undefined,
    },
  });
}
