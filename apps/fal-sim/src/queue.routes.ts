import { randomUUID } from 'node:crypto';

import { FastifyInstance, FastifyRequest } from 'fastify';

import { AccountFaultError, accountRefusal } from './account-fault';
import { decideRun, decideSubmit, parseMarkers } from './faults';
import { HttpError } from './http-error';
import { validateModelInput } from './model-input';
import { hashSeed, mulberry32 } from './prng';
import { SimRequest } from './request-store';
import { SimContext } from './sim-context';

type RequestParams = { owner: string; alias: string; id: string };

/** fal's queue API: submit, status, result, cancel, for any `{owner}/{alias}[/{path}]` endpoint. */
export function registerQueueRoutes(app: FastifyInstance, ctx: SimContext): void {
  const urls = (appId: string, id: string) => {
    const response = `${ctx.baseUrl()}/${appId}/requests/${id}`;
    return {
      response_url: response,
      status_url: `${response}/status`,
      cancel_url: `${response}/cancel`,
    };
  };

  const authorize = (
    request: FastifyRequest,
    call: 'submit' | 'status' | 'result' | 'cancel',
  ): void => {
    const match = /^Key\s+(\S+)$/.exec(request.headers.authorization ?? '');
    if (!match || (ctx.requiredKey !== undefined && match[1] !== ctx.requiredKey)) {
      throw new HttpError(
        401,
        'Missing or invalid credentials: send "Authorization: Key <FAL_KEY>"',
      );
    }
    const refused = accountRefusal(ctx.faults.current.accountError, call);
    if (refused) {
      throw refused;
    }
  };

  /** Looks the request up under the app id it was submitted to, as fal scopes ids per app. */
  const find = (
    request: FastifyRequest<{ Params: RequestParams }>,
    call: 'status' | 'result' | 'cancel',
  ): SimRequest => {
    authorize(request, call);
    const { owner, alias, id } = request.params;
    const found = ctx.store.get(id);
    if (!found || found.appId !== `${owner}/${alias}`) {
      throw new HttpError(404, `Request ${id} not found`);
    }
    return found;
  };

  app.post('/*', async (request: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const endpointId = request.params['*'].replace(/\/+$/, '');
    const segments = endpointId.split('/');
    if (segments.length < 2 || segments.some((s) => s === '')) {
      throw new HttpError(404, `Application "${endpointId}" not found`);
    }
    const at = new Date().toISOString();
    try {
      authorize(request, 'submit');
    } catch (error) {
      const outcome = error instanceof AccountFaultError ? error.outcome : 'unauthorized';
      ctx.store.recordSubmit({ at, endpointId, outcome });
      throw error;
    }
    const checked = validateModelInput(request.body);
    const webhookUrl = (request.query as Record<string, string | undefined>).fal_webhook;
    // fal's gateway checks its own query parameter; the model input only the runner checks, later,
    // unless the validateAtSubmit setting asks for the kinder synchronous 422.
    const detail = checked.ok || !ctx.faults.current.validateAtSubmit ? [] : [...checked.detail];
    if (webhookUrl !== undefined && !URL.canParse(webhookUrl)) {
      detail.push({
        loc: ['query', 'fal_webhook'],
        msg: 'Input should be a valid URL',
        type: 'url_parsing',
      });
    }
    if (detail.length > 0) {
      ctx.store.recordSubmit({ at, endpointId, outcome: 'invalid-input' });
      void reply.code(422);
      return { detail };
    }
    const input = checked.input;
    const header = request.headers['x-fal-sim-fault'];
    const markers = parseMarkers(input.prompt, Array.isArray(header) ? header.join(',') : header);
    // Keyed by prompt and its n-th submit, so concurrent tests do not disturb each other's dice.
    const previous = ctx.store.countSubmit(`${endpointId}\u0000${input.prompt}`);
    const rng = mulberry32(hashSeed(ctx.seed, endpointId, input.prompt, previous));
    const outcome = decideSubmit(ctx.faults.current, markers, rng, previous);
    const plan = decideRun(ctx.faults.current, markers, rng, {
      resolution: input.resolution,
      valid: checked.ok,
    });
    const seed = input.seed ?? Math.floor(rng() * 2 ** 31);
    if (outcome !== 'accept') {
      ctx.store.recordSubmit({ at, endpointId, prompt: input.prompt, outcome });
    }
    if (outcome === 'error-500') {
      throw new HttpError(500, 'Internal Server Error (fal-sim fault)');
    }
    if (outcome === 'error-422') {
      void reply.code(422);
      return {
        detail: checked.ok
          ? [
              {
                loc: ['body', 'prompt'],
                msg: 'Rejected by fal-sim (submit-422 fault)',
                type: 'value_error',
              },
            ]
          : checked.detail,
      };
    }
    if (outcome === 'error-429') {
      throw new HttpError(429, 'Rate limit exceeded (fal-sim fault)');
    }
    if (outcome === 'timeout') {
      // Longer than any sane client timeout, but bounded so nothing hangs forever.
      await ctx.sender.pause(ctx.hangMs);
      throw new HttpError(504, 'Gateway Timeout (fal-sim fault)');
    }

    const id = randomUUID();
    const appId = segments.slice(0, 2).join('/');
    const simRequest: SimRequest = {
      id,
      // The same id unless fal retried the request internally (the gateway-retry fault).
      gatewayRequestId: plan.gatewayRetried ? randomUUID() : id,
      endpointId,
      appId,
      input,
      inputProblems: checked.ok ? undefined : checked.detail,
      webhookUrl,
      markers,
      plan,
      seed,
      state: 'IN_QUEUE',
      createdAt: Date.now(),
      webhook: { lost: false, finished: false, attempts: [] },
      timers: [],
    };
    ctx.store.add(simRequest);
    ctx.store.recordSubmit({ at, endpointId, prompt: input.prompt, outcome, requestId: id });
    ctx.runner.pump();
    return {
      request_id: id,
      gateway_request_id: simRequest.gatewayRequestId,
      // fal answers IN_QUEUE to every submit, even one a free runner has already picked up.
      status: 'IN_QUEUE',
      queue_position: simRequest.state === 'IN_QUEUE' ? ctx.store.queuePosition(simRequest) : 0,
      ...urls(appId, id),
    };
  });

  app.get(
    '/:owner/:alias/requests/:id/status',
    (request: FastifyRequest<{ Params: RequestParams; Querystring: { logs?: string } }>, reply) => {
      const found = find(request, 'status');
      const withLogs = request.query.logs === '1' || request.query.logs === 'true';
      const common = { request_id: found.id, ...urls(found.appId, found.id) };
      if (found.state === 'IN_QUEUE' || found.state === 'IN_PROGRESS') {
        // fal answers 202 until the request is done, 200 after.
        void reply.code(202);
      }
      if (found.state === 'IN_QUEUE') {
        return { status: 'IN_QUEUE', queue_position: ctx.store.queuePosition(found), ...common };
      }
      const logs = withLogs ? logLines(found) : undefined;
      if (found.state === 'IN_PROGRESS') {
        return { status: 'IN_PROGRESS', logs, ...common };
      }
      const started = found.startedAt ?? found.createdAt;
      return {
        status: 'COMPLETED',
        logs,
        metrics: { inference_time: Math.max(0, ((found.completedAt ?? started) - started) / 1000) },
        // fal reports failed and cancelled requests as COMPLETED too; the error says which.
        error: found.failure?.error,
        error_type: found.failure?.errorType,
        ...common,
      };
    },
  );

  app.get(
    '/:owner/:alias/requests/:id',
    (request: FastifyRequest<{ Params: RequestParams }>, reply) => {
      const found = find(request, 'result');
      void reply.header('x-fal-request-id', found.id);
      if (found.state === 'IN_QUEUE' || found.state === 'IN_PROGRESS') {
        // fal answers a premature result call with a 400; the client does not retry it.
        void reply.code(400);
        return { detail: 'Request is still in progress' };
      }
      if (found.failure) {
        void reply.code(found.failure.statusCode);
        if (found.failure.errorType) {
          void reply.header('x-fal-error-type', found.failure.errorType);
        }
        return found.failure.payload;
      }
      return found.output;
    },
  );

  app.put(
    '/:owner/:alias/requests/:id/cancel',
    (request: FastifyRequest<{ Params: RequestParams }>, reply) => {
      const found = find(request, 'cancel');
      // An ignored cancel looks the same to the caller: fal only passes it on to the runner.
      if (ctx.runner.cancel(found) !== 'already-completed') {
        void reply.code(202);
        return { status: 'CANCELLATION_REQUESTED' };
      }
      void reply.code(400);
      return { status: 'ALREADY_COMPLETED' };
    },
  );
}

function logLines(request: SimRequest): Array<Record<string, string>> {
  const line = (message: string, at: number) => ({
    message,
    level: 'INFO',
    source: 'USER',
    timestamp: new Date(at).toISOString(),
  });
  const lines = [
    line('Request picked up by a fal-sim runner', request.startedAt ?? request.createdAt),
  ];
  if (request.completedAt) {
    lines.push(line(`Finished: ${request.state.toLowerCase()}`, request.completedAt));
  }
  return lines;
}
