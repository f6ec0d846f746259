import { ArgumentsHost, ForbiddenException, HttpException } from '@nestjs/common';

import {
  HttpExceptionFilter,
  boundedDetails,
  boundedMessage,
  codeForStatus,
  isUnavailable,
} from './http-exception.filter';

/** What the filter sends, through a stand-in for Fastify's reply (the boundary). */
function sent(exception: unknown): { status?: number; body?: Record<string, unknown> } {
  const result: { status?: number; body?: Record<string, unknown> } = {};
  const reply = {
    header: () => reply,
    status: (status: number) => ((result.status = status), reply),
    send: (body: Record<string, unknown>) => ((result.body = body), reply),
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ id: 'req-1' }) }),
  } as unknown as ArgumentsHost;
  new HttpExceptionFilter().catch(exception, host);
  return result;
}

describe('HttpExceptionFilter', () => {
  it('passes a thrower’s stable code along with the message', () => {
    expect(
      sent(new ForbiddenException({ message: 'Wrong CSRF token.', code: 'csrf_token_invalid' })),
    ).toEqual({
      status: 403,
      body: {
        statusCode: 403,
        error: 'Forbidden',
        message: 'Wrong CSRF token.',
        code: 'csrf_token_invalid',
        request_id: 'req-1',
      },
    });
  });

  it('gives the status in words as the code when there is none, and never a code that is not a plain identifier', () => {
    expect(sent(new HttpException('Too many.', 429)).body?.code).toBe('too_many_requests');
    expect(sent(new HttpException({ message: 'x', code: '<script>' }, 400)).body?.code).toBe(
      'bad_request',
    );
    expect(codeForStatus(500)).toBe('internal_error');
    expect(codeForStatus(413)).toBe('payload_too_large');
  });

  it('sends one message string, and each invalid field in details', () => {
    const details = [
      { field: 'prompt', message: 'prompt must not be blank' },
      { field: 'colour', message: 'unknown field' },
    ];
    expect(
      sent(
        new HttpException(
          {
            message: details.map((d) => `${d.field}: ${d.message}`),
            code: 'validation_failed',
            details: [...details, { field: 3 }, 'junk'],
          },
          400,
        ),
      ).body,
    ).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'prompt: prompt must not be blank; colour: unknown field',
      code: 'validation_failed',
      details,
      request_id: 'req-1',
    });
  });
});

describe('HttpExceptionFilter: an answer about an infographic state', () => {
  it('carries the infographic status beside the code, and only a real status', () => {
    const conflict = (status: string) =>
      sent(
        new HttpException(
          { message: 'Already completed.', code: 'infograph_finished', infograph_status: status },
          409,
        ),
      ).body;
    expect(conflict('completed')).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'Already completed.',
      code: 'infograph_finished',
      infograph_status: 'completed',
      request_id: 'req-1',
    });
    expect(conflict('<b>x</b>')).not.toHaveProperty('infograph_status');
  });
});

describe('boundedMessage', () => {
  it('keeps short messages as they are, and joins several into one string', () => {
    expect(boundedMessage('prompt: too long')).toBe('prompt: too long');
    expect(boundedMessage(['a', 'b'])).toBe('a; b');
  });

  it('keeps the first five messages, says how many more, and cuts each to 200 characters', () => {
    const bounded = boundedMessage([...Array(8).keys()].map((i) => `${i}${'x'.repeat(500)}`));
    const parts = bounded.split('; ');
    expect(parts).toHaveLength(6);
    expect(parts.slice(0, 5).every((m) => m.length === 200 && m.endsWith('…'))).toBe(true);
    expect(parts[5]).toBe('…and 3 more problems.');
  });
});

describe('boundedDetails', () => {
  it('keeps the first five well-formed details, fields and messages cut to length', () => {
    const many = [...Array(7).keys()].map((i) => ({
      field: `f${i}`.repeat(40),
      message: 'm'.repeat(300),
    }));
    const bounded = boundedDetails(many)!;
    expect(bounded).toHaveLength(5);
    expect(bounded[0].field).toHaveLength(64);
    expect(bounded[0].message).toHaveLength(200);
    expect(boundedDetails('nope')).toBeUndefined();
    expect(boundedDetails([{ field: 1 }])).toBeUndefined();
  });
});

describe('isUnavailable', () => {
  it('takes a database connection cut mid-transaction for an outage (503), not a bug (500)', () => {
    for (const message of [
      'Client has encountered a connection error and is not queryable',
      'Connection terminated unexpectedly',
      'Query runner already released. Cannot run queries anymore.',
    ]) {
      expect(isUnavailable(new Error(message))).toBe(true);
    }
    expect(isUnavailable(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isUnavailable(new Error('Cannot read properties of undefined'))).toBe(false);
  });

  it('takes Postgres out of connection slots for an outage (503), not a bug (500)', () => {
    // What pg rejects a new connection with past max_connections (seen with 2 apis + 2 workers).
    const tooMany = Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
    expect(isUnavailable(tooMany)).toBe(true);
  });
});
