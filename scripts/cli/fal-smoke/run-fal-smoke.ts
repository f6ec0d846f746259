import { setTimeout as sleep } from 'node:timers/promises';

import type { AppConfig } from '@app/config';
import type { FalGateway, FalImageInput, FalWebhookVerifier } from '@app/fal';

import type { FalTrafficRecorder } from './fal-traffic-recorder';
import type { SmokeObservations } from './smoke-report';
import { WebhookReceiver } from './webhook-receiver';

export interface FalSmokeOptions {
  prompt: string;
  /** Where the webhook receiver listens. */
  listen: { host: string; port: number };
  /** The URL fal posts to; default (fal-sim only) the receiver's own local address. */
  webhookUrl?: string;
  refuseFirst: number;
  timeoutSeconds: number;
  pollIntervalMs?: number;
  /** How long to keep listening after the accepted delivery, to see duplicates (default 2 s). */
  settleMs?: number;
}

export interface FalSmokeDeps {
  config: AppConfig;
  /** The product's gateway and verifier, the gateway's fetch going through `recorder`. */
  gateway: FalGateway;
  verifier: FalWebhookVerifier;
  recorder: FalTrafficRecorder;
}

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * One image, end to end, the way the product makes it: JWKS, submit with a webhook, status until
 * COMPLETED, result, the image itself, and the webhook deliveries (the first ones refused so fal
 * retries). Nothing throws: every failure is recorded for the report.
 */
export async function runFalSmoke(
  { config, gateway, verifier, recorder }: FalSmokeDeps,
  options: FalSmokeOptions,
): Promise<SmokeObservations> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const receiver = await WebhookReceiver.start({
    ...options.listen,
    refuseFirst: options.refuseFirst,
    verify: (delivery) => verifier.verify(delivery),
  });
  const webhookUrl = options.webhookUrl ?? receiver.localUrl();
  const o: SmokeObservations = {
    target: config.fal.simulated ? 'fal-sim' : 'fal.ai',
    model: config.fal.model,
    queueUrl: config.fal.queueUrl ?? 'https://queue.fal.run',
    mediaHosts: config.images.mediaHosts,
    allowHttpMedia: config.images.allowHttp,
    pinnedUserId: config.fal.webhookUserId,
    timeoutSeconds: options.timeoutSeconds,
    jwks: await fetchJwks(config.fal.jwksUrl),
    exchanges: recorder.exchanges,
    webhook: { url: webhookUrl, refuseFirst: options.refuseFirst, deliveries: receiver.deliveries },
  };
  try {
    // What the submit step sends for the product's defaults (16:9, 1K, one PNG).
    const input: FalImageInput = {
      prompt: options.prompt,
      num_images: 1,
      aspect_ratio: '16:9',
      resolution: '1K',
      output_format: 'png',
    };
    o.submittedAt = Date.now();
    try {
      o.requestId = (
        await recorder.during('submit', () => gateway.submit(input, webhookUrl))
      ).requestId;
    } catch (error) {
      o.submitError = message(error);
      return o;
    }
    await pollUntilCompleted(o, gateway, recorder, deadline, options.pollIntervalMs ?? 1000);
    if (o.completedAt !== undefined && o.completedError === undefined) {
      try {
        const output = await recorder.during('result', () => gateway.result(o.requestId!));
        o.image = await fetchImage(output.images[0].url, config.images.downloadTimeoutMs);
      } catch (error) {
        o.resultError = message(error);
      }
    }
    await receiver.waitForAccepted(deadline);
    // fal may deliver a result twice: listen a little longer so a duplicate shows up too.
    await sleep(Math.max(0, Math.min(options.settleMs ?? 2000, deadline - Date.now())));
    return o;
  } finally {
    await receiver.close();
  }
}

async function pollUntilCompleted(
  o: SmokeObservations,
  gateway: FalGateway,
  recorder: FalTrafficRecorder,
  deadline: number,
  intervalMs: number,
): Promise<void> {
  try {
    while (Date.now() < deadline) {
      const status = await recorder.during('status', () => gateway.status(o.requestId!));
      if (status.state === 'COMPLETED') {
        o.completedAt = Date.now();
        o.completedError = status.error;
        o.inferenceTimeSeconds = status.inferenceTimeSeconds;
        return;
      }
      await sleep(Math.max(0, Math.min(intervalMs, deadline - Date.now())));
    }
  } catch (error) {
    o.statusError = message(error);
  }
}

async function fetchJwks(url: string): Promise<SmokeObservations['jwks']> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text: the report shows it has no keys
    }
    return { url, status: response.status, body };
  } catch (error) {
    return { url, error: message(error) };
  }
}

/** GETs the image without following redirects, as the upload step does, and reads only its headers. */
async function fetchImage(url: string, timeoutMs: number): Promise<SmokeObservations['image']> {
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    const length = response.headers.get('content-length');
    const redirects = response.status >= 300 && response.status < 400;
    return {
      url,
      status: response.status,
      location: redirects
        ? (response.headers.get('location') ?? '(no Location header)')
        : undefined,
      contentType: response.headers.get('content-type') ?? undefined,
      contentLength: length !== null && /^\d+$/.test(length) ? Number(length) : undefined,
    };
  } catch (error) {
    return { url, error: message(error) };
  }
}
