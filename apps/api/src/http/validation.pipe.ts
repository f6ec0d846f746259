import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/** Flattens nested errors into "field: reason" lines a client can act on. */
function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((reason) =>
      reason.startsWith(`property ${e.property} should not exist`)
        ? `${path}: unknown field`
        : `${path}: ${reason}`,
    );
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/** Rejects unknown fields and reports every invalid one by name. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
  });
}
