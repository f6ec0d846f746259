import { ArgumentsHost, ForbiddenException, HttpException } from '@nestjs/common';

import { HttpExceptionFilter, boundedMessage, isUnavailable } from './http-exception.filter';

/** What the filter sends, through a stand-in for Fastify's reply (the boundary). */
function sent(exception: unknown): { status?: number; body?: Record<string, unknown> } {
  const result: { status?: number; body?: Record<string, unknown> } = {};
  const reply = {
    header: () => reply,
    status: (status: number) => ((result.status = status), reply),
    send: (body: Record<string, unknown>) => ((result.body = body), reply),
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
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
      },
    });
  });

  it('adds no code when there is none, and never one that is not a plain identifier', () => {
    expect(sent(new HttpException('Too many.', 429)).body).not.toHaveProperty('code');
    expect(
      sent(new HttpException({ message: 'x', code: '<script>' }, 400)).body,
    ).not.toHaveProperty('code');
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
    });
    expect(conflict('<b>x</b>')).not.toHaveProperty('infograph_status');
  });
});

describe('boundedMessage', () => {
  it('keeps short messages as they are', () => {
    expect(boundedMessage('prompt: too long')).toBe('prompt: too long');
    expect(boundedMessage(['a', 'b'])).toEqual(['a', 'b']);
  });

  it('keeps the first five messages, says how many more, and cuts each to 200 characters', () => {
    const bounded = boundedMessage([...Array(8).keys()].map((i) => `${i}${'x'.repeat(500)}`));
    expect(bounded).toHaveLength(6);
    expect(
      (bounded as string[]).slice(0, 5).every((m) => m.length === 200 && m.endsWith('…')),
    ).toBe(true);
    expect(bounded[5]).toBe('…and 3 more problems.');
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
});
