import { setTimeout as sleep } from 'node:timers/promises';

import { request } from 'undici';

import { DeliveryAttempt } from './request-store';
import { WebhookSigner } from './webhook-signer';

export interface WebhookEnvelope {
  request_id: string;
  gateway_request_id: string;
  status: 'OK' | 'ERROR';
  payload: unknown;
  error?: string;
}

export interface SenderOptions {
  /** fal retries 10 times over ~2 h; the base delay is configurable so tests compress that. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  attemptTimeoutMs: number;
}

/** Posts signed envelopes, retrying anything but a 2xx with doubling delays. */
export class WebhookSender {
  constructor(
    private readonly signer: WebhookSigner,
    private readonly options: SenderOptions,
    /** Aborted when fal-sim closes, so no delivery outlives the server. */
    private readonly shutdown: AbortSignal,
  ) {}

  /** Resolves after a 2xx or the last attempt; never rejects (failures are recorded instead). */
  async deliver(
    url: string,
    envelope: WebhookEnvelope,
    delivery: number,
    record: (attempt: DeliveryAttempt) => void,
  ): Promise<boolean> {
    const body = Buffer.from(JSON.stringify(envelope));
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      if (this.shutdown.aborted) {
        return false;
      }
      const started = Date.now();
      const base = { delivery, envelope: envelope.status, attempt, at: new Date().toISOString() };
      try {
        const headers = this.signer.sign(envelope.request_id, body, Math.floor(started / 1000));
        // undici's request rather than fetch: a fraction of the CPU per delivery, which matters
        // when fal-sim stands in for fal in a benchmark.
        const response = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
          headersTimeout: this.options.attemptTimeoutMs,
          bodyTimeout: this.options.attemptTimeoutMs,
          signal: this.shutdown,
        });
        await response.body.dump().catch(() => undefined);
        const { statusCode } = response;
        record({ ...base, statusCode, durationMs: Date.now() - started });
        if (statusCode >= 200 && statusCode < 300) {
          return true;
        }
      } catch (error) {
        const message = error instanceof Error ? describeRequestError(error) : String(error);
        record({ ...base, error: message, durationMs: Date.now() - started });
      }
      if (attempt < this.options.maxAttempts && !(await this.pause(this.backoff(attempt)))) {
        return false;
      }
    }
    return false;
  }

  /** Waits unless fal-sim is shutting down; false means "stop". */
  async pause(ms: number): Promise<boolean> {
    if (ms <= 0) {
      return !this.shutdown.aborted;
    }
    try {
      await sleep(ms, undefined, { signal: this.shutdown });
      return true;
    } catch {
      return false;
    }
  }

  private backoff(attempt: number): number {
    return Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), this.options.retryMaxMs);
  }
}

function describeRequestError(error: Error): string {
  const code = (error as { code?: string }).code;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
