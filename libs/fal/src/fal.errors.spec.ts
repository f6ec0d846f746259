import { ApiError, ValidationError } from '@fal-ai/client';

import {
  classifyFalError,
  FalAccountError,
  FalPermanentError,
  FalTransientError,
} from './fal.errors';

const apiError = (status: number, body?: unknown) =>
  new ApiError({ message: 'Some text we must not parse', status, body });

describe('classifyFalError', () => {
  it.each([408, 409, 429, 500, 502, 503, 504])('treats %i as transient', (status) => {
    const error = classifyFalError(apiError(status), 'submit');
    expect(error).toBeInstanceOf(FalTransientError);
    expect(error.status).toBe(status);
  });

  it.each([401, 403])('treats %i as trouble with our account, not with the request', (status) => {
    const error = classifyFalError(apiError(status, { detail: 'User is locked.' }), 'submit');
    expect(error).toBeInstanceOf(FalAccountError);
    expect(error).not.toBeInstanceOf(FalPermanentError);
    expect(error.status).toBe(status);
    expect(error.message).toBe(`fal answered ${status} to submit: User is locked.`);
  });

  it.each([400, 404])('treats %i as permanent', (status) => {
    const error = classifyFalError(apiError(status), 'submit');
    expect(error).toBeInstanceOf(FalPermanentError);
    expect(error.status).toBe(status);
  });

  it("keeps fal's 422 detail readable", () => {
    const body = {
      detail: [
        { loc: ['body', 'prompt'], msg: 'field required', type: 'missing' },
        { loc: ['body', 'num_images'], msg: 'must be <= 4', type: 'less_than_equal' },
      ],
    };
    const error = classifyFalError(
      new ValidationError({ message: 'x', status: 422, body }),
      'submit',
    );
    expect(error).toBeInstanceOf(FalPermanentError);
    expect(error.message).toBe(
      'fal rejected the input: prompt: field required; num_images: must be <= 4',
    );
    expect(classifyFalError(apiError(422, { detail: 'Prompt too long' }), 'submit').message).toBe(
      'fal rejected the input: Prompt too long',
    );
  });

  it('treats timeouts, aborts and network failures as transient', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const abort = new DOMException('This operation was aborted', 'AbortError');
    const network = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    for (const failure of [timeout, abort, network]) {
      const error = classifyFalError(failure, 'status');
      expect(error).toBeInstanceOf(FalTransientError);
      expect(error.status).toBeUndefined();
      expect(error.cause).toBe(failure);
    }
  });

  it('does not classify by message text', () => {
    const error = classifyFalError(
      new ApiError({ message: 'Rate limited', status: 400 }),
      'submit',
    );
    expect(error).toBeInstanceOf(FalPermanentError);
  });

  it('passes our own errors through', () => {
    const original = new FalPermanentError('already classified', 418);
    expect(classifyFalError(original, 'submit')).toBe(original);
  });
});
