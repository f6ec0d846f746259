import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type FalWebhookDelivery, WebhookSignatureError } from '@app/fal';

/** What one webhook delivery brought, and what we made of it. */
export interface ReceivedDelivery {
  /** Milliseconds since the epoch, when the body had arrived. */
  receivedAt: number;
  /** The request's headers, lower-cased (Node's own). */
  headers: Record<string, string>;
  rawBody: Buffer;
  /** The status code we answered: 503 for the ones refused on purpose, else 200. */
  answered: number;
  /** 'verified', or the verifier's reason and message. */
  verification: 'verified' | { reason: string; message: string };
}

export interface WebhookReceiverOptions {
  host: string;
  port: number;
  /** How many deliveries to refuse (503) before accepting one, so fal shows how it retries. */
  refuseFirst: number;
  /** The product's check (FalWebhookVerifier.verify), run on every delivery as it arrives. */
  verify: (delivery: FalWebhookDelivery) => Promise<unknown>;
}

// fal's deliveries are a few KiB; anything far larger is not fal.
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A one-off HTTP server that takes fal's webhook deliveries for the smoke check: any POST, on any
 * path (the operator's tunnel decides the path). It verifies each delivery as the api would, at
 * arrival (the signature's timestamp is judged against the clock then), and records it.
 */
export class WebhookReceiver {
  readonly deliveries: ReceivedDelivery[] = [];
  private readonly server: Server;
  private waiters: (() => void)[] = [];

  private constructor(private readonly options: WebhookReceiverOptions) {
    this.server = createServer((request, response) => {
      if (request.method !== 'POST') {
        response.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      this.receive(request).then(
        (answered) => response.writeHead(answered).end(),
        () => response.writeHead(413).end(),
      );
    });
  }

  static async start(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(options);
    await new Promise<void>((resolve, reject) => {
      receiver.server.once('error', reject);
      receiver.server.listen(options.port, options.host, () => resolve());
    });
    return receiver;
  }

  /** Where it listens, as a URL a local fal (fal-sim) can post to. */
  localUrl(): string {
    const { address, port, family } = this.server.address() as AddressInfo;
    const unspecified = address === '0.0.0.0' || address === '::';
    const host = unspecified ? '127.0.0.1' : family === 'IPv6' ? `[${address}]` : address;
    return `http://${host}:${port}/fal-smoke/webhook`;
  }

  /** True once a delivery was accepted (answered 2xx), so fal has stopped retrying. */
  accepted(): boolean {
    return this.deliveries.some((d) => d.answered < 300);
  }

  /** Resolves when a delivery has been accepted or at `deadline` (ms since the epoch). */
  async waitForAccepted(deadline: number): Promise<void> {
    while (!this.accepted() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async receive(request: IncomingMessage): Promise<number> {
    const rawBody = await readBody(request);
    const receivedAt = Date.now();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) {
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
    }
    let verification: ReceivedDelivery['verification'] = 'verified';
    try {
      await this.options.verify({ rawBody, headers });
    } catch (error) {
      verification =
        error instanceof WebhookSignatureError
          ? { reason: error.reason, message: error.message }
          : { reason: 'error', message: error instanceof Error ? error.message : String(error) };
    }
    const answered = this.deliveries.length < this.options.refuseFirst ? 503 : 200;
    this.deliveries.push({ receivedAt, headers, rawBody, answered, verification });
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
    return answered;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new Error('body too large');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
