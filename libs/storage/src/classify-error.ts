import { StorageError } from './storage.error';

/** S3/R2 error names that a later attempt can succeed on even though some arrive as 4xx. */
const TRANSIENT_S3_NAMES = new Set([
  'RequestTimeout', // 400: the connection idled while sending the body
  'RequestTimeTooSkewed', // 403: the SDK corrects its clock offset on the next attempt
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/** Node/undici errno codes for a network that may come back. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ESOCKETTIMEDOUT',
]);

/** Filesystem codes no retry can fix: permissions, read-only mounts, a file where a folder should be. */
const PERMANENT_FS_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'EEXIST', // a file where a folder should be
  'EISDIR',
  'ENOTDIR',
  'ENAMETOOLONG',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shapeOf(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? error : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Decides retry vs. permanent from the SDK's structured fields (HTTP status, error name, errno
 * code), never from message text.
 */
export function isTransientS3Error(error: unknown): boolean {
  if (error instanceof StorageError) {
    return error.transient;
  }
  const e = shapeOf(error);
  const name = text(e.name);
  const code = text(e.code);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : 0;
  if ((name && TRANSIENT_S3_NAMES.has(name)) || (code && TRANSIENT_NETWORK_CODES.has(code))) {
    return true;
  }
  if (code?.startsWith('UND_ERR_') || e.$retryable) {
    return true;
  }
  if (status >= 500 || status === 429 || status === 408) {
    return true;
  }
  if (status >= 400 || e.$fault === 'client') {
    return false;
  }
  // No status and no recognised code: the request most likely never got an answer (a socket
  // that died in a way we have not listed). Retrying is bounded by the job's attempts, while
  // failing at once would refund an infograph that one more try could have finished.
  return true;
}

function describe(error: unknown): { code: string; detail: string } {
  const e = shapeOf(error);
  const status = e.$metadata?.httpStatusCode;
  const code = text(e.code) ?? text(e.name) ?? 'Unknown';
  const message = text(e.message) ?? String(error);
  return {
    code,
    detail:
      typeof status === 'number' ? `${code} (HTTP ${status}): ${message}` : `${code}: ${message}`,
  };
}

/** Wraps an S3 SDK or network error; `action` names what we tried, e.g. `put infographs/1/2.png`. */
export function toS3StorageError(error: unknown, action: string): StorageError {
  if (error instanceof StorageError) {
    return error;
  }
  const { code, detail } = describe(error);
  return new StorageError(
    `Object storage ${action} failed: ${detail}`,
    isTransientS3Error(error),
    code,
    {
      cause: error,
    },
  );
}

/** Wraps a filesystem error from the local driver. */
export function toFsStorageError(error: unknown, action: string): StorageError {
  if (error instanceof StorageError) {
    return error;
  }
  const { code, detail } = describe(error);
  // A full disk (ENOSPC), too many open files (EMFILE) or an I/O hiccup can clear up; a
  // permission or path problem needs a person.
  return new StorageError(
    `Local storage ${action} failed: ${detail}`,
    !PERMANENT_FS_CODES.has(code),
    code,
    {
      cause: error,
    },
  );
}
