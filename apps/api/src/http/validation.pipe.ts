import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

import type { ErrorDetail } from './error.response';

/** Unknown keys are the client's, of any length: their names are shortened in messages. */
const MAX_FIELD_CHARS = 64;

const shorten = (name: string): string =>
  name.length > MAX_FIELD_CHARS ? `${name.slice(0, MAX_FIELD_CHARS - 1)}…` : name;

/** Flattens nested errors into one problem per field a client can act on. */
function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const field = shorten(parent ? `${parent}.${e.property}` : e.property);
    const own = Object.values(e.constraints ?? {}).map((reason) => ({
      field,
      message: reason.startsWith(`property ${e.property} should not exist`)
        ? 'unknown field'
        : reason,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Rejects unknown fields and reports each invalid one by name, with its first problem only
 * (`stopAtFirstError`: one actionable message per field, and no work past it): `details` lists
 * them, and `message` says them in one line ("field: reason; …") for people.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new BadRequestException({
        message: details.map((d) => `${d.field}: ${d.message}`),
        code: 'validation_failed',
        details,
      });
    },
  });
}
