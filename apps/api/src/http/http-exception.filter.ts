import { InsufficientCreditsError } from '@app/credits';
import { INFOGRAPH_STATUSES, type InfographStatus } from '@app/database';
import { IdempotencyConflictError, InvalidCursorError } from '@app/infographs';
import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';

import type { ErrorDetail } from './error.response';

/** Postgres/driver failures that mean "the database is unreachable right now", not a bug. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  // statement_timeout: the database is too slow to answer right now.
  '57014',
  '57P03',
  // too_many_connections: Postgres is out of connection slots (max_connections) for now.
  '53300',
  '08006',
  '08001',
]);

/** An error body stays around a kilobyte or two, whatever the request made of it. */
const MAX_MESSAGES = 5;
const MAX_MESSAGE_CHARS = 200;
const MAX_FIELD_CHARS = 64;

const cut = (message: string, max = MAX_MESSAGE_CHARS): string =>
  message.length > max ? `${message.slice(0, max - 1)}…` : message;

/**
 * The one string people read: a message cut to length, or several (a validation failure's lines)
 * joined, the first few, saying how many more there were.
 */
export function boundedMessage(message: string | string[]): string {
  if (!Array.isArray(message)) {
    return cut(message);
  }
  const shown = message.slice(0, MAX_MESSAGES).map((m) => cut(m));
  if (message.length > MAX_MESSAGES) {
    shown.push(`…and ${message.length - MAX_MESSAGES} more problems.`);
  }
  return shown.join('; ');
}

/** The first few per-field problems a thrower listed, each cut to length; nothing else. */
export function boundedDetails(details: unknown): ErrorDetail[] | undefined {
  if (!Array.isArray(details)) {
    return undefined;
  }
  const valid = details.filter(
    (d): d is ErrorDetail =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as ErrorDetail).field === 'string' &&
      typeof (d as ErrorDetail).message === 'string',
  );
  return valid.length === 0
    ? undefined
    : valid.slice(0, MAX_MESSAGES).map((d) => ({
        field: cut(d.field, MAX_FIELD_CHARS),
        message: cut(d.message),
      }));
}

/** A status's code when the thrower gave none: its name, `not_found`, `too_many_requests`. */
export function codeForStatus(statusCode: number): string {
  if (statusCode === 500) {
    return 'internal_error';
  }
  return HttpStatus[statusCode]?.toLowerCase() ?? (statusCode >= 500 ? 'server_error' : 'error');
}

/**
 * Every error leaves as `ErrorResponse` (`{ statusCode, error, message, code, request_id }`, with
 * `details` per invalid field), bounded (`boundedMessage`, `boundedDetails`): `message` is always
 * one string and `code` always a stable word. Unknown errors become a 500 whose details go to the
 * log, not to the client; store outages become 503 so clients retry.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    this.answer(
      exception,
      host.switchToHttp().getRequest<FastifyRequest>(),
      host.switchToHttp().getResponse<FastifyReply>(),
    );
  }

  /** Also Fastify's error handler (`answerFastifyErrors`): errors raised before Nest's handler. */
  answer(exception: unknown, request: Pick<FastifyRequest, 'id'>, reply: FastifyReply): void {
    // The id in our logs and in the X-Request-Id header, for a customer to quote.
    const requestId = request.id;
    const { statusCode, message, headers, code, details, infographStatus } =
      this.describe(exception);
    for (const [name, value] of Object.entries(headers ?? {})) {
      void reply.header(name, value);
    }
    void reply.status(statusCode).send({
      statusCode,
      error:
        HttpStatus[statusCode]
          ?.replace(/_/g, ' ')
          .toLowerCase()
          .replace(/\b\w/g, (c) => c.toUpperCase()) ?? 'Error',
      message: boundedMessage(message),
      // A stable machine-readable reason: the thrower's (`{ message, code }`), else the status's.
      code: code ?? codeForStatus(statusCode),
      ...(details === undefined ? {} : { details }),
      // The infographic's current status, where the answer is about its state (a 409 on cancel).
      ...(infographStatus === undefined ? {} : { infograph_status: infographStatus }),
      ...(typeof requestId === 'string' ? { request_id: requestId } : {}),
    });
  }

  private describe(exception: unknown): {
    statusCode: number;
    message: string | string[];
    headers?: Record<string, string>;
    code?: string;
    details?: ErrorDetail[];
    infographStatus?: InfographStatus;
  } {
    const domain = domainStatus(exception);
    if (domain) {
      return { ...domain, message: (exception as Error).message };
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'string'
          ? body
          : ((body as { message?: string | string[] }).message ?? exception.message);
      const code = typeof body === 'object' ? (body as { code?: unknown }).code : undefined;
      const details =
        typeof body === 'object'
          ? boundedDetails((body as { details?: unknown }).details)
          : undefined;
      const infographStatus =
        typeof body === 'object'
          ? (body as { infograph_status?: unknown }).infograph_status
          : undefined;
      return {
        statusCode: exception.getStatus(),
        message,
        code: typeof code === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(code) ? code : undefined,
        details,
        infographStatus: INFOGRAPH_STATUSES.includes(infographStatus as InfographStatus)
          ? (infographStatus as InfographStatus)
          : undefined,
      };
    }
    const fastifyStatus = (exception as { statusCode?: number }).statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      // Fastify's own client errors: malformed JSON, body too large, bad content type.
      const fastifyCode = (exception as { code?: unknown }).code;
      return {
        statusCode: fastifyStatus,
        message: (exception as Error).message,
        code: typeof fastifyCode === 'string' ? FASTIFY_CODES[fastifyCode] : undefined,
      };
    }
    if (isUnavailable(exception)) {
      this.logger.warn(`Store unavailable: ${(exception as Error).message}`);
      return {
        statusCode: 503,
        message: 'The service is temporarily unavailable; please retry shortly.',
        code: 'temporarily_unavailable',
        headers: { 'retry-after': '5' },
      };
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return { statusCode: 500, message: 'Internal server error.' };
  }
}

/** Fastify's error codes that say more than their status; the others get the status's code. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
};

/** Domain errors that are the client's to fix, their HTTP status and code. */
function domainStatus(error: unknown): { statusCode: number; code: string } | undefined {
  if (error instanceof InsufficientCreditsError) {
    return { statusCode: 402, code: 'insufficient_credits' };
  }
  if (error instanceof IdempotencyConflictError) {
    return { statusCode: 409, code: 'idempotency_key_reused' };
  }
  if (error instanceof InvalidCursorError) {
    return { statusCode: 400, code: 'invalid_cursor' };
  }
  return undefined;
}

export function isUnavailable(error: unknown): boolean {
  // Error-like, not `instanceof Error`: errors from Node's own sockets may come from another realm.
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string') {
    return false;
  }
  const code =
    (error as { code?: string }).code ??
    (error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined);
  return (
    (code !== undefined && UNAVAILABLE_CODES.has(code)) ||
    // "already released": TypeORM's words for a transaction whose connection was cut mid-way;
    // "not queryable": pg's, for the next statement of such a transaction.
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|already released|not queryable|Stream isn't writeable|Connection is closed/i.test(
      (error as Error).message,
    )
  );
}
