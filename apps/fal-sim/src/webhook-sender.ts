import { setTimeout as sleep } from 'node:timers/promises';

import { request } from 'undici';

import { DeliveryAttempt } from './request-store';
import { WebhookSigner } from './webhook-signer';

export interface WebhookEnvelope {
  request_id: string;
  gateway_request_id: string;
  status: 'OK' | 'ERROR';
  payload: unknown;
  /** fal sends `null` on an OK delivery and the error text on an ERROR one. */
  error: string | null;
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
    /**
     * keepTimestamp: retries carry the first attempt's timestamp (whether fal's do is unknown).
     * signedRequestId: the id signed and sent as X-Fal-Webhook-Request-Id (default request_id;
     * the gateway_request_id for a request fal retried internally).
     */
    {
      keepTimestamp = false,
      signedRequestId = envelope.request_id,
    }: { keepTimestamp?: boolean; signedRequestId?: string } = {},
  ): Promise<boolean> {
    const body = Buffer.from(JSON.stringify(envelope));
    let firstTimestamp: number | undefined;
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      if (this.shutdown.aborted) {
        return false;
      }
      const started = Date.now();
      const base = { delivery, envelope: envelope.status, attempt, at: new Date().toISOString() };
      const fresh = Math.floor(started / 1000);
      const timestamp = keepTimestamp ? (firstTimestamp ??= fresh) : fresh;
      try {
        const headers = this.signer.sign(signedRequestId, body, timestamp);
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
