import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** No valid body (create, fal's webhook) nests deeper than a handful of levels. */
export const MAX_JSON_DEPTH = 32;

/** Iterative, so that measuring a hostile body cannot itself overflow the stack. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') {
      continue;
    }
    if (depth >= max) {
      return true;
    }
    for (const child of Object.values(current)) {
      stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Refuses deeply nested JSON with a 400 before validation: class-transformer and the validation
 * pipe recurse through bodies and would overflow the stack (a 500) on a hostile one.
 */
export function refuseDeepJson(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preValidation', async (request, reply) => {
      if (request.body !== undefined && nestedDeeperThan(request.body, MAX_JSON_DEPTH)) {
        await reply.status(400).send({
          statusCode: 400,
          error: 'Bad Request',
          message: `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`,
        });
      }
    });
}
