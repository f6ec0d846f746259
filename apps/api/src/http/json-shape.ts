import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * No valid body (create, fal's webhook) nests deeper than a handful of levels, has an object with
 * more than a dozen keys (fal's image object has six), an array of more than four items (images),
 * or more than about fifty keys and items in all. The limits leave room for fields fal may add and
 * stay far below what makes validation expensive (each unknown key costs ~35 µs and a message).
 */
export const JSON_LIMITS = { depth: 32, entriesPerContainer: 50, entries: 500 };

/**
 * Says what is wrong with a body's shape, or undefined when it is within `limits`. Iterative, so
 * that measuring a hostile body cannot itself overflow the stack, and it stops at the first
 * problem, so its cost is bounded by the limits rather than by the body.
 */
export function jsonShapeProblem(value: unknown, limits = JSON_LIMITS): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  let entries = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object' || ArrayBuffer.isView(current)) {
      continue;
    }
    if (depth >= limits.depth) {
      return `The JSON body is nested deeper than ${limits.depth} levels.`;
    }
    const children = Object.values(current);
    if (children.length > limits.entriesPerContainer) {
      return Array.isArray(current)
        ? `The JSON body has an array with more than ${limits.entriesPerContainer} items; no valid request has that many.`
        : `The JSON body has an object with more than ${limits.entriesPerContainer} keys; no valid request has that many.`;
    }
    entries += children.length;
    if (entries > limits.entries) {
      return `The JSON body has more than ${limits.entries} keys and array items in all; no valid request has that many.`;
    }
    for (const child of children) {
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/**
 * Routes whose bodies are never validated, only checked against a signature and read field by
 * field: Stripe's events, whose objects are big by design (a Checkout Session alone has about 70
 * keys) and would fail these limits. The body limit still bounds them.
 */
const UNSHAPED_ROUTES = new Set(['/api/payments/stripe/webhook']);

/**
 * Refuses hostile JSON with a 400 before validation: class-transformer and the validation pipe
 * recurse through bodies (a deep one overflows the stack: a 500) and report every unknown key (20,000
 * keys cost ~0.7 s of event loop and a 470 KB answer).
 */
export function refuseHostileJson(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preValidation', async (request, reply) => {
      if (UNSHAPED_ROUTES.has((request.routeOptions.url ?? '').replace(/\/+$/, ''))) {
        return;
      }
      const problem = request.body === undefined ? undefined : jsonShapeProblem(request.body);
      if (problem) {
        await reply.status(400).send({
          statusCode: 400,
          error: 'Bad Request',
          message: problem,
          code: 'json_too_complex',
          request_id: request.id,
        });
      }
    });
}
