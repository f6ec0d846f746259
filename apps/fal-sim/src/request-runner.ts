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
  log: (message: string, extra?: Record<string, unknown>) => void;
}

const CANCELLED: Failure = {
  statusCode: 400,
  error: 'Request was cancelled by the client',
  payload: { detail: 'Request was cancelled by the client' },
};

/** Moves a request through IN_QUEUE → IN_PROGRESS → done on timers and sends its webhooks. */
export class RequestRunner {
  constructor(
    private readonly store: RequestStore,
    private readonly sender: WebhookSender,
    private readonly options: RunnerOptions,
  ) {}

  start(request: SimRequest): void {
    const latency = request.plan.latencyMs;
    // The first third of the latency is "queued", so a cancel test has a window to hit.
    request.timers.push(setTimeout(() => this.begin(request), Math.floor(latency / 3)));
    if (request.plan.outcome !== 'stuck') {
      request.timers.push(setTimeout(() => this.finish(request), latency));
    }
  }

  /** fal stops a queued request; fal-sim also stops an in-progress one (fal: best effort). */
  cancel(request: SimRequest): 'cancelled' | 'already-completed' {
    if (request.state !== 'IN_QUEUE' && request.state !== 'IN_PROGRESS') {
      return 'already-completed';
    }
    request.timers.forEach(clearTimeout);
    request.timers = [];
    this.settle(request, 'CANCELLED', { failure: CANCELLED });
    return 'cancelled';
  }

  private begin(request: SimRequest): void {
    if (request.state === 'IN_QUEUE') {
      this.store.setState(request, 'IN_PROGRESS');
      request.startedAt = Date.now();
    }
  }

  private finish(request: SimRequest): void {
    if (request.state !== 'IN_QUEUE' && request.state !== 'IN_PROGRESS') {
      return;
    }
    request.startedAt ??= Date.now();
    const { outcome } = request.plan;
    if (outcome === 'fail-500') {
      this.settle(request, 'FAILED', {
        failure: {
          statusCode: 500,
          error: 'Invalid status code: 500',
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
      this.settle(request, 'COMPLETED', { output: this.render(request) });
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
    return {
      images,
      seed,
      description: `A simulated infographic for: ${input.prompt.slice(0, 200)}`,
      has_nsfw_concepts: images.map(() => request.plan.nsfw),
    };
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
      await this.sender.deliver(webhookUrl, envelope, index + 1, (attempt) =>
        request.webhook.attempts.push(attempt),
      );
    }
    request.webhook.finished = true;
  }

  private envelopes(request: SimRequest): WebhookEnvelope[] {
    const base = { request_id: request.id, gateway_request_id: request.gatewayRequestId };
    const final: WebhookEnvelope = request.failure
      ? { ...base, status: 'ERROR', error: request.failure.error, payload: request.failure.payload }
      : { ...base, status: 'OK', payload: request.output };
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
