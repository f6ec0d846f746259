import { randomUUID, createHash, KeyObject } from 'node:crypto';
import { AddressInfo } from 'node:net';

import Fastify, { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';

import { registerAdminRoutes } from './admin.routes';
import { DEFAULT_FAULTS, FaultSettings, mergeFaults } from './faults';
import { renderInfographic } from './image-renderer';
import { registerPublicRoutes } from './public.routes';
import { registerQueueRoutes } from './queue.routes';
import { RequestRunner } from './request-runner';
import { RequestStore } from './request-store';
import { SimContext } from './sim-context';
import { WebhookSender } from './webhook-sender';
import { parsePrivateKey, privateKeyFromSeed, WebhookSigner } from './webhook-signer';

export interface FalSimOptions extends Partial<FaultSettings> {
  /** 0 picks a free port (tests); default 4010. */
  port?: number;
  host?: string;
  /** Base URL put in image and queue URLs; default http://<host>:<port>. */
  publicUrl?: string;
  /** Makes fault dice, seeds and (without privateKey) the signing key repeatable. */
  seed?: string;
  userId?: string;
  /** 64 hex digits (Ed25519 seed), a PKCS#8 PEM, or a KeyObject. */
  privateKey?: string | KeyObject;
  /** When set, only this FAL key is accepted; otherwise any `Key <something>`. */
  requiredKey?: string;
  webhookRetryBaseMs?: number;
  webhookRetryMaxMs?: number;
  webhookMaxAttempts?: number;
  webhookTimeoutMs?: number;
  /** How long a `submit-timeout` fault hangs before answering 504. */
  hangMs?: number;
  /** Renders big sizes smaller (the output reports the rendered size); default: real sizes. */
  maxLongSide?: number;
  benchImage?: boolean;
  maxRequests?: number;
  logger?: FastifyServerOptions['logger'];
  /** false: build without listening (for `app.inject`). */
  listen?: boolean;
}

const BENCH_SIZE = 256;

/** Builds (and by default starts) a fal-sim server. Everything lives in this instance only. */
export async function buildFalSim(options: FalSimOptions = {}): Promise<FastifyInstance> {
  const host = options.host ?? '127.0.0.1';
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 5 * 1024 * 1024 });

  const faultPatch: Partial<Record<keyof FaultSettings, unknown>> = {};
  for (const key of Object.keys(DEFAULT_FAULTS) as Array<keyof FaultSettings>) {
    if (options[key] !== undefined) {
      faultPatch[key] = options[key];
    }
  }
  const merged = mergeFaults(DEFAULT_FAULTS, faultPatch);
  if (!merged.ok) {
    throw new Error(`Invalid fal-sim fault settings: ${merged.problems.join('; ')}`);
  }

  const shutdown = new AbortController();
  const baseUrl = (): string => {
    if (options.publicUrl) {
      return options.publicUrl.replace(/\/+$/, '');
    }
    const address = app.server.address() as AddressInfo | null;
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${shownHost}:${address?.port ?? options.port ?? 4010}`;
  };
  const signer = new WebhookSigner(options.userId ?? 'fal-sim-user', signingKey(options));
  const store = new RequestStore(options.maxRequests ?? 5000);
  const sender = new WebhookSender(
    signer,
    {
      maxAttempts: options.webhookMaxAttempts ?? 10,
      retryBaseMs: options.webhookRetryBaseMs ?? 1000,
      retryMaxMs: options.webhookRetryMaxMs ?? 60_000,
      attemptTimeoutMs: options.webhookTimeoutMs ?? 10_000,
    },
    shutdown.signal,
  );
  const bench = options.benchImage
    ? {
        width: BENCH_SIZE,
        height: BENCH_SIZE,
        body: renderInfographic({
          width: BENCH_SIZE,
          height: BENCH_SIZE,
          prompt: 'fal-sim bench',
          seed: 1,
          index: 0,
        }),
      }
    : undefined;
  const runner = new RequestRunner(store, sender, {
    maxLongSide: options.maxLongSide ?? Infinity,
    benchImage: bench,
    baseUrl,
    // Read on every use: the admin API may change the limit on a running fal-sim.
    concurrency: () => ctx.faults.current.concurrency,
    log: (message, extra) => app.log.info(extra ?? {}, message),
  });
  const ctx: SimContext = {
    store,
    runner,
    sender,
    signer,
    faults: { current: merged.settings, initial: { ...merged.settings } },
    seed: options.seed ?? randomUUID(),
    requiredKey: options.requiredKey,
    hangMs: options.hangMs ?? 30_000,
    baseUrl,
  };

  // fal's client sends `Content-Type: application/json` even on bodiless calls (cancel), so an
  // empty body must parse. Malformed JSON is a 422 at once: fal's gateway must parse the body to
  // queue it, unlike model input, which only the runner checks.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      const error = new Error('Body is not valid JSON') as FastifyError;
      error.statusCode = 422;
      done(error, undefined);
    }
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      app.log.error(error);
    }
    const detail =
      status === 422
        ? [{ loc: ['body'], msg: error.message, type: 'json_invalid' }]
        : error.message;
    void reply.code(status).send({ detail });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ detail: `No route for ${request.method} ${request.url}` });
  });

  registerPublicRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerQueueRoutes(app, ctx);

  // preClose, not onClose: a hanging `submit-timeout` answer must end before close waits for it.
  app.addHook('preClose', (done) => {
    shutdown.abort();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    store.reset();
    done();
  });

  if (options.listen !== false) {
    await app.listen({ port: options.port ?? 4010, host });
  } else {
    await app.ready();
  }
  return app;
}

/** The URL a started fal-sim answers on (handy with port 0). */
export function falSimUrl(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

function signingKey(options: FalSimOptions): KeyObject | undefined {
  if (options.privateKey instanceof KeyObject) {
    return options.privateKey;
  }
  if (typeof options.privateKey === 'string') {
    return parsePrivateKey(options.privateKey);
  }
  // A seeded fal-sim keeps its key across restarts, so receivers' cached JWKS stay valid.
  return options.seed === undefined
    ? undefined
    : privateKeyFromSeed(createHash('sha256').update(`fal-sim-key:${options.seed}`).digest());
}
