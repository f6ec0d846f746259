import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';

import type { FeedMessage } from './event-feeds';
import type { LiveConnection } from './realtime.gateway';

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * An SSE response seen as a socket, so the gateway serves it like one (per-user cap, heartbeat,
 * revocation, shutdown). A ping is a comment line, which also keeps proxies from timing the
 * stream out; a ping that reached the kernel counts as the client's pong (HTTP has no answer to
 * wait for; a vanished client shows as a failed write or a closed connection).
 */
export class SseConnection extends EventEmitter implements LiveConnection {
  readonly CLOSED = CLOSED;
  private state = OPEN;

  constructor(private readonly response: ServerResponse) {
    super();
    response.once('close', () => {
      this.state = CLOSED;
      this.emit('close');
    });
  }

  get readyState(): number {
    return this.state;
  }

  get bufferedAmount(): number {
    return this.response.writableLength;
  }

  send(data: string, callback?: (error?: Error) => void): void {
    this.response.write(data, (error) => callback?.(error ?? undefined));
  }

  ping(): void {
    this.response.write(': ping\n\n', (error) => {
      if (!error) {
        this.emit('pong');
      }
    });
  }

  /** Ends the stream (revocation, shutdown); the code and reason have no place in SSE. */
  close(): void {
    if (this.state === OPEN) {
      this.state = CLOSING;
      this.response.end();
    }
  }

  terminate(): void {
    this.response.destroy();
  }
}

/**
 * One message in the event-stream format: `id:` when the message has one (an event; `hello`'s
 * may be empty, which clears the browser's last id), then its JSON on one `data:` line.
 */
export function sseFrame(message: FeedMessage): string {
  const id = 'id' in message ? `id: ${typeof message.id === 'string' ? message.id : ''}\n` : '';
  return `${id}data: ${JSON.stringify(message)}\n\n`;
}
