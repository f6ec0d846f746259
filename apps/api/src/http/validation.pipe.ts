import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/** Unknown keys are the client's, of any length: their names are shortened in messages. */
const MAX_FIELD_CHARS = 64;

const shorten = (name: string): string =>
  name.length > MAX_FIELD_CHARS ? `${name.slice(0, MAX_FIELD_CHARS - 1)}…` : name;

/** Flattens nested errors into "field: reason" lines a client can act on. */
function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = shorten(parent ? `${parent}.${e.property}` : e.property);
    const own = Object.values(e.constraints ?? {}).map((reason) =>
      reason.startsWith(`property ${e.property} should not exist`)
        ? `${path}: unknown field`
        : `${path}: ${reason}`,
    );
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/**
 * Rejects unknown fields and reports each invalid one by name, with its first problem only
 * (`stopAtFirstError`: one actionable message per field, and no work past it).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
  });
}
