import { FastifyInstance, FastifyRequest } from 'fastify';

import { mergeFaults } from './faults';
import { HttpError } from './http-error';
import { describeRequest, SimState } from './request-store';
import { SimContext } from './sim-context';

/**
 * Introspection and runtime control under /_sim (no auth: fal-sim only ever listens locally),
 * so e2e tests can see webhook attempts and flip faults on a running process.
 */
export function registerAdminRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.get('/_sim/health', () => ({ ok: true }));

  app.get('/_sim/requests', (request: FastifyRequest<{ Querystring: { state?: SimState } }>) => {
    const { state } = request.query;
    const requests = ctx.store.list().filter((r) => state === undefined || r.state === state);
    return { requests: requests.map(describeRequest) };
  });

  app.get('/_sim/requests/:id', (request: FastifyRequest<{ Params: { id: string } }>) => {
    const found = ctx.store.get(request.params.id);
    if (!found) {
      throw new HttpError(404, `Request ${request.params.id} not found`);
    }
    return describeRequest(found);
  });

  app.get('/_sim/submits', () => ({ submits: ctx.store.submitRecords() }));

  /** Requests queued and running now, and the peak outstanding at once (read-only). */
  app.get('/_sim/stats', () => ctx.store.stats());

  /** Forgets every request, file and submit counter, and restores the boot-time fault settings. */
  app.post('/_sim/reset', () => {
    ctx.store.reset();
    ctx.faults.current = { ...ctx.faults.initial };
    ctx.runner.pump();
    return { ok: true, faults: ctx.faults.current };
  });

  app.get('/_sim/faults', () => ctx.faults.current);

  const updateFaults = (request: FastifyRequest) => {
    const merged = mergeFaults(ctx.faults.current, request.body ?? {});
    if (!merged.ok) {
      throw new HttpError(400, merged.problems.join('; '));
    }
    ctx.faults.current = merged.settings;
    // A raised concurrency limit lets queued requests start now.
    ctx.runner.pump();
    return merged.settings;
  };
  app.put('/_sim/faults', updateFaults);
  app.post('/_sim/faults', updateFaults);

  /** Starts signing with a new key; the JWKS keeps the old one too, as in a real rotation. */
  app.post('/_sim/keys/rotate', () => ({ key: ctx.signer.rotate(), jwks: ctx.signer.jwks() }));
}
