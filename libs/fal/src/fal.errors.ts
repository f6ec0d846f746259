import { ApiError } from '@fal-ai/client';

/** Any failure talking to fal; `status` is fal's HTTP status when there was an answer. */
export class FalError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Worth retrying later: network trouble, timeouts, 408/409/429 and 5xx. */
export class FalTransientError extends FalError {}

/** Retrying will not help: rejected input (422) and the other 4xx that are about the request. */
export class FalPermanentError extends FalError {}

/**
 * fal refuses our account, not the request: a wrong key (401) or a locked account, e.g. an
 * exhausted balance (403). Every request fails alike until someone fixes the account, so it is
 * nobody's infograph's fault: the worker's circuit breaker pauses submits instead of failing them.
 */
export class FalAccountError extends FalError {}

const ACCOUNT_STATUSES = new Set([401, 403]);

const TRANSIENT_STATUSES = new Set([408, 409, 429]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** "prompt: Field required; num_images: …" from fal's pydantic-style 422 body. */
export function describeValidationDetail(body: unknown): string | undefined {
  const detail = isRecord(body) ? body.detail : undefined;
  if (typeof detail === 'string') {
    return detail;
  }
  if (!Array.isArray(detail)) {
    return undefined;
  }
  const parts = detail.filter(isRecord).map((item) => {
    const loc = Array.isArray(item.loc) ? item.loc.filter((part) => part !== 'body') : [];
    const msg = typeof item.msg === 'string' ? item.msg : 'invalid';
    return loc.length > 0 ? `${loc.join('.')}: ${msg}` : msg;
  });
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * Sorts a failure by status code or error type, never by message text: the worker decides
 * retry vs. give up from the class alone. `action` ("submit", "status", …) only feeds the message.
 */
export function classifyFalError(error: unknown, action: string): FalError {
  if (error instanceof FalError) {
    return error;
  }
  if (error instanceof ApiError) {
    const status = error.status;
    const detail = describeValidationDetail(error.body);
    if (status === 422) {
      return new FalPermanentError(`fal rejected the input: ${detail ?? error.message}`, status, {
        cause: error,
      });
    }
    const message = `fal answered ${status} to ${action}${detail ? `: ${detail}` : ''}`;
    if (ACCOUNT_STATUSES.has(status)) {
      return new FalAccountError(message, status, { cause: error });
    }
    if (status >= 400 && status < 500 && !TRANSIENT_STATUSES.has(status)) {
      return new FalPermanentError(message, status, { cause: error });
    }
    return new FalTransientError(message, status, { cause: error });
  }
  if (isTimeout(error)) {
    return new FalTransientError(`fal did not answer ${action} in time`, undefined, {
      cause: error,
    });
  }
  // Network failures (fetch failed, ECONNRESET, …) and anything unexpected: retrying is bounded
  // by the job's attempts, while giving up on a blip would refund work fal may still do.
  const reason = error instanceof Error ? error.message : String(error);
  return new FalTransientError(`could not reach fal for ${action}: ${reason}`, undefined, {
    cause: error,
  });
}
