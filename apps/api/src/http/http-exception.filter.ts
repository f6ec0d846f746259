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
import type { FastifyReply } from 'fastify';
import { QueryFailedError } from 'typeorm';

/** Postgres/driver failures that mean "the database is unreachable right now", not a bug. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  // statement_timeout: the database is too slow to answer right now.
  '57014',
  '57P03',
  '08006',
  '08001',
]);

/** An error body stays around a kilobyte, whatever the request made of it. */
const MAX_MESSAGES = 5;
const MAX_MESSAGE_CHARS = 200;

const cut = (message: string): string =>
  message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message;

/** The first few messages, each cut to length, and how many more there were. */
export function boundedMessage(message: string | string[]): string | string[] {
  if (!Array.isArray(message)) {
    return cut(message);
  }
  const shown = message.slice(0, MAX_MESSAGES).map(cut);
  if (message.length > MAX_MESSAGES) {
    shown.push(`…and ${message.length - MAX_MESSAGES} more problems.`);
  }
  return shown;
}

/**
 * Every error leaves as `{ statusCode, error, message }`, the message bounded (`boundedMessage`). Unknown errors become a 500 whose
 * details go to the log, not to the client; store outages become 503 so clients retry.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { statusCode, message, headers, code, infographStatus } = this.describe(exception);
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
      // A stable machine-readable reason, where the thrower gave one (`{ message, code }`).
      ...(code === undefined ? {} : { code }),
      // The infographic's current status, where the answer is about its state (a 409 on cancel).
      ...(infographStatus === undefined ? {} : { infograph_status: infographStatus }),
    });
  }

  private describe(exception: unknown): {
    statusCode: number;
    message: string | string[];
    headers?: Record<string, string>;
    code?: string;
    infographStatus?: InfographStatus;
  } {
    const domain = domainStatus(exception);
    if (domain) {
      return { statusCode: domain, message: (exception as Error).message };
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'string'
          ? body
          : ((body as { message?: string | string[] }).message ?? exception.message);
      const code = typeof body === 'object' ? (body as { code?: unknown }).code : undefined;
      const infographStatus =
        typeof body === 'object'
          ? (body as { infograph_status?: unknown }).infograph_status
          : undefined;
      return {
        statusCode: exception.getStatus(),
        message,
        code: typeof code === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(code) ? code : undefined,
        infographStatus: INFOGRAPH_STATUSES.includes(infographStatus as InfographStatus)
          ? (infographStatus as InfographStatus)
          : undefined,
      };
    }
    const fastifyStatus = (exception as { statusCode?: number }).statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      // Fastify's own client errors: malformed JSON, body too large, bad content type.
      return { statusCode: fastifyStatus, message: (exception as Error).message };
    }
    if (isUnavailable(exception)) {
      this.logger.warn(`Store unavailable: ${(exception as Error).message}`);
      return {
        statusCode: 503,
        message: 'The service is temporarily unavailable; please retry shortly.',
        headers: { 'retry-after': '5' },
      };
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return { statusCode: 500, message: 'Internal server error.' };
  }
}

/** Domain errors that are the client's to fix, and their HTTP status. */
function domainStatus(error: unknown): number | undefined {
  if (error instanceof InsufficientCreditsError) {
    return 402;
  }
  if (error instanceof IdempotencyConflictError) {
    return 409;
  }
  if (error instanceof InvalidCursorError) {
    return 400;
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
