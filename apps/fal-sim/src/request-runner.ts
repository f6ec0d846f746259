import { renderInfographic } from './image-renderer';
import { imageSize } from './model-input';
import { Failure, ModelOutput, RequestStore, SimRequest } from './request-store';
import { WebhookEnvelope, WebhookSender } from './webhook-sender';

export interface RunnerOptions {
  /** Caps the long side of rendered images (the output reports the real size). */
  maxLongSide: number;
  /** One small pre-rendered PNG for every image, for benchmarks. */
  benchImage?: { body: Buffer; width: number; height: number };
  /** fal-sim's own base URL (known only after listen on port 0), used in image URLs. */
  baseUrl: () => string;
  /** The account's concurrency limit right now (0: none); the admin API may change it. */
  concurrency: () => number;
  log: (message: string, extra?: Record<string, unknown>) => void;
}

const CANCELLED: Failure = {
  statusCode: 400,
  error: 'Request was cancelled by the client',
  errorType: 'client_cancelled',
  payload: { detail: 'Request was cancelled by the client' },
};

/**
 * Runs requests like a fal account: at most `concurrency` at once, the rest IN_QUEUE in
 * submission order; each runs for its planned latency, then settles and sends its webhooks.
 */
export class RequestRunner {
  constructor(
    private readonly store: RequestStore,
    private readonly sender: WebhookSender,
    private readonly options: RunnerOptions,
  ) {}

  /** Starts queued requests while slots are free: after a submit, a settle or a limit change. */
  pump(): void {
    for (;;) {
      const limit = this.options.concurrency();
      const next = this.store.nextQueued();
      if (!next || (limit > 0 && this.store.runningCount() >= limit)) {
        return;
      }
      this.begin(next);
    }
  }

  /**
   * A queued request is removed; an IN_PROGRESS one is only asked to stop, as on fal: a runner
   * that ignores it (`plan.cancelIgnored`) completes it and sends the OK webhook anyway.
   */
  cancel(request: SimRequest): 'cancelled' | 'requested' | 'already-completed' {
    if (request.state !== 'IN_QUEUE' && request.state !== 'IN_PROGRESS') {
      return 'already-completed';
    }
    const ignored = request.state === 'IN_PROGRESS' && request.plan.cancelIgnored;
    request.cancel ??= { at: Date.now(), ignored };
    if (ignored) {
      return 'requested';
    }
    request.timers.forEach(clearTimeout);
    request.timers = [];
    this.settle(request, 'CANCELLED', { failure: CANCELLED });
    return 'cancelled';
  }

  /** Latency counts from here, not from the submit: time in the queue comes on top. */
  private begin(request: SimRequest): void {
    this.store.setState(request, 'IN_PROGRESS');
    request.startedAt = Date.now();
    if (request.plan.outcome === 'stuck') {
      // A request fal lost track of: it never ends, but must not starve everything behind it.
      this.store.releaseSlot(request);
      return;
    }
    request.timers.push(setTimeout(() => this.finish(request), request.plan.latencyMs));
  }

  private finish(request: SimRequest): void {
    if (request.state !== 'IN_QUEUE' && request.state !== 'IN_PROGRESS') {
      return;
    }
    const { outcome } = request.plan;
    if (outcome === 'invalid-input') {
      this.settle(request, 'FAILED', {
        failure: {
          statusCode: 422,
          error: 'Invalid status code: 422',
          payload: { detail: request.inputProblems ?? [] },
        },
      });
    } else if (outcome === 'fail-500') {
      this.settle(request, 'FAILED', {
        failure: {
          statusCode: 500,
          error: 'Invalid status code: 500',
          errorType: 'runner_server_error',
          payload: { detail: 'Internal server error while generating the image' },
        },
      });
    } else if (outcome === 'fail-422') {
      this.settle(request, 'FAILED', {
        failure: {
          statusCode: 422,
          error: 'Invalid status code: 422',
          payload: {
            detail: [
              {
                loc: ['body', 'prompt'],
                msg: 'The prompt was flagged by the content checker',
                type: 'content_policy_violation',
              },
            ],
          },
        },
      });
    } else {
      // The safety filter's other answer: an OK with nothing in it (fal-sim's `empty-images`).
      const output = request.plan.emptyImages
        ? { images: [], description: '' }
        : this.render(request);
      this.settle(request, 'COMPLETED', { output });
    }
  }

  private render(request: SimRequest): ModelOutput {
    const { input, id, seed } = request;
    const images = Array.from({ length: input.numImages }, (_, index) => {
      const fileName = `${id}-${index}.png`;
      const bench = this.options.benchImage;
      const size =
        bench ?? imageSize(input.aspectRatio, input.resolution, this.options.maxLongSide);
      const body = bench?.body ?? renderInfographic({ ...size, prompt: input.prompt, seed, index });
      this.store.putFile(fileName, id, body);
      return {
        url: `${this.options.baseUrl()}/files/${fileName}`,
        // fal-sim renders PNG whatever output_format asked for, and says so honestly.
        content_type: 'image/png',
        file_name: fileName,
        file_size: body.length,
        width: size.width,
        height: size.height,
      };
    });
    const output: ModelOutput = {
      images,
      description: `A simulated infographic for: ${input.prompt.slice(0, 200)}`,
    };
    if (request.plan.nsfw) {
      // nano-banana-pro has no such field; the nsfw fault adds it as other fal models send it.
      output.has_nsfw_concepts = images.map(() => true);
    }
    return output;
  }

  private settle(
    request: SimRequest,
    state: 'COMPLETED' | 'FAILED' | 'CANCELLED',
    result: { output?: ModelOutput; failure?: Failure },
  ): void {
    this.store.setState(request, state);
    request.completedAt = Date.now();
    request.output = result.output;
    request.failure = result.failure;
    this.options.log('request settled', { requestId: request.id, state });
    void this.sendWebhooks(request);
    this.pump();
  }

  private async sendWebhooks(request: SimRequest): Promise<void> {
    const { webhookUrl, plan } = request;
    if (!webhookUrl) {
      request.webhook.finished = true;
      return;
    }
    if (plan.webhook.lost) {
      request.webhook.lost = true;
      request.webhook.finished = true;
      return;
    }
    const envelopes = this.envelopes(request);
    if (!(await this.sender.pause(plan.webhook.delayMs))) {
      return;
    }
    // Sequential on purpose: the receiver sees the deliveries in exactly this order.
    for (const [index, envelope] of envelopes.entries()) {
      await this.sender.deliver(
        webhookUrl,
        envelope,
        index + 1,
        (attempt) => request.webhook.attempts.push(attempt),
        {
          keepTimestamp: plan.webhook.retryKeepsTimestamp,
          signedRequestId: plan.gatewayRetried ? request.gatewayRequestId : request.id,
        },
      );
    }
    request.webhook.finished = true;
  }

  private envelopes(request: SimRequest): WebhookEnvelope[] {
    const base = { request_id: request.id, gateway_request_id: request.gatewayRequestId };
    const final: WebhookEnvelope = request.failure
      ? { ...base, status: 'ERROR', error: request.failure.error, payload: request.failure.payload }
      : { ...base, status: 'OK', error: null, payload: request.output };
    const list = [final];
    if (request.plan.webhook.outOfOrder && final.status === 'OK') {
      // A stale ERROR arrives before the true OK: the receiver must not let it win for good.
      list.unshift({
        ...base,
        status: 'ERROR',
        error: 'Invalid status code: 500',
        payload: { detail: 'Stale failure from an earlier attempt (fal-sim out-of-order)' },
      });
    }
    if (request.plan.webhook.dup) {
      list.push(final);
    }
    return list;
  }
}
