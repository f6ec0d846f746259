import { ApiError, createFalClient, FalClient } from '@fal-ai/client';
import { Inject, Injectable, Optional } from '@nestjs/common';

import { AppConfig } from '@app/config';

import { readImageOutput } from './fal-image-output';
import { rewriteFalUrl } from './fal-url-rewrite';
import {
  classifyFalError,
  describeValidationDetail,
  FalPermanentError,
  FalTransientError,
} from './fal.errors';
import { FalImageInput, FalImageOutput, FalRequestStatus } from './fal.types';

export const FAL_GATEWAY_OPTIONS = Symbol('FAL_GATEWAY_OPTIONS');

export interface FalGatewayOptions {
  /** Bounds submit including the client's own retries (it retries 429/5xx up to 3 times). */
  submitTimeoutMs?: number;
  /** Bounds status, result and cancel calls. */
  requestTimeoutMs?: number;
  /** For tests: a fetch the fal client uses instead of the global one. */
  fetch?: typeof fetch;
}

/**
 * Our only door to fal's queue: submit, status, result and cancel for the configured model,
 * with every failure turned into FalTransientError, FalAccountError or FalPermanentError.
 */
@Injectable()
export class FalGateway {
  private readonly client: FalClient;
  private readonly model: string;
  private readonly submitTimeoutMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    config: AppConfig,
    @Optional() @Inject(FAL_GATEWAY_OPTIONS) options: FalGatewayOptions = {},
  ) {
    const queueUrl = config.fal.queueUrl;
    this.model = config.fal.model;
    this.submitTimeoutMs = options.submitTimeoutMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.client = createFalClient({
      credentials: config.fal.key,
      fetch: options.fetch,
      // Production leaves queueUrl unset; locally every call goes to fal-sim instead.
      requestMiddleware: (request) =>
        Promise.resolve(
          queueUrl ? { ...request, url: rewriteFalUrl(request.url, queueUrl) } : request,
        ),
    });
  }

  /** fal's request id, and how many requests fal says are ahead of it in the account's queue. */
  async submit(
    input: FalImageInput,
    webhookUrl: string,
  ): Promise<{ requestId: string; queuePosition?: number }> {
    const answer = await this.call('submit', () =>
      this.client.queue.submit(this.model, {
        input,
        webhookUrl,
        abortSignal: AbortSignal.timeout(this.submitTimeoutMs),
      }),
    );
    if (typeof answer.request_id !== 'string' || answer.request_id === '') {
      throw new FalTransientError('fal accepted the submit but sent no request_id');
    }
    return { requestId: answer.request_id, queuePosition: queuePositionOf(answer) };
  }

  async status(requestId: string): Promise<FalRequestStatus> {
    const answer: unknown = await this.call('status', () =>
      this.client.queue.status(this.model, { requestId, abortSignal: this.signal() }),
    );
    const body = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<
      string,
      unknown
    >;
    switch (body.status) {
      case 'IN_QUEUE':
        return {
          state: 'IN_QUEUE',
          queuePosition: queuePositionOf(body),
        };
      case 'IN_PROGRESS':
        return { state: 'IN_PROGRESS' };
      case 'COMPLETED': {
        const metrics = body.metrics as { inference_time?: unknown } | undefined;
        return {
          state: 'COMPLETED',
          error: typeof body.error === 'string' ? body.error : undefined,
          inferenceTimeSeconds:
            typeof metrics?.inference_time === 'number' ? metrics.inference_time : undefined,
        };
      }
      default:
        throw new FalTransientError(
          `fal answered status with an unknown state: ${String(body.status)}`,
        );
    }
  }

  /**
   * The finished output. Call it after a COMPLETED status or an OK webhook: before that fal
   * answers 400 "still in progress", which surfaces here as FalPermanentError(status 400).
   */
  async result(requestId: string): Promise<FalImageOutput> {
    const answer = await this.call('result', () =>
      this.client.queue.result(this.model, { requestId, abortSignal: this.signal() }),
    );
    const read = readImageOutput(answer.data);
    if (!read.ok) {
      throw new FalPermanentError(`fal's result for ${requestId} is unusable: ${read.reason}`);
    }
    return read.output;
  }

  /**
   * Why a failed request failed, in fal's words: the detail of its result call's error answer
   * (a status only says `Invalid status code: 422`; the detail says e.g. that a content checker
   * flagged the prompt). Best effort: undefined when fal says nothing more or cannot be asked.
   */
  async failureDetail(requestId: string): Promise<string | undefined> {
    try {
      await this.client.queue.result(this.model, { requestId, abortSignal: this.signal() });
      return undefined;
    } catch (error) {
      return error instanceof ApiError ? describeValidationDetail(error.body) : undefined;
    }
  }

  /**
   * 'too_late' for any 4xx about the request (already running or done, unknown id): fal's exact
   * codes are unconfirmed. A bad key or locked account (FalAccountError) still throws.
   */
  async cancel(requestId: string): Promise<'cancelled' | 'too_late'> {
    try {
      await this.call('cancel', () =>
        this.client.queue.cancel(this.model, { requestId, abortSignal: this.signal() }),
      );
      return 'cancelled';
    } catch (error) {
      if (error instanceof FalPermanentError && error.status !== undefined) {
        return 'too_late';
      }
      throw error;
    }
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(this.requestTimeoutMs);
  }

  private async call<T>(action: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw classifyFalError(error, action);
    }
  }
}

/** fal's `queue_position` when it is a count; undefined when absent or not one. */
function queuePositionOf(answer: object): number | undefined {
  const position = (answer as { queue_position?: unknown }).queue_position;
  return typeof position === 'number' && Number.isInteger(position) && position >= 0
    ? position
    : undefined;
}
