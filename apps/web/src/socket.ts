import type { InfographUpdate } from './types';
import { STATUSES } from './types';

/** While the socket is down, unfinished infographs are polled this often. */
export const POLL_INTERVAL_MS = 5_000;
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** The server pings at the protocol level, which browsers cannot see: we ask with a message. */
const PING_INTERVAL_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
/** An upgrade that opens but never says hello is treated as down. */
const HELLO_TIMEOUT_MS = 5_000;

export type Connection = 'connecting' | 'live' | 'polling';

export interface LiveUpdatesOptions {
  /**
   * A URL to connect to, fetched anew for every (re)connect: it carries a one-time ticket, and
   * the id of the last event seen (null: none yet), so the server first sends what was missed.
   */
  url: (lastEventId: string | null) => Promise<string>;
  onUpdate: (update: InfographUpdate) => void;
  /** The balance as it stands, after a purchase's grant or clawback (`credits.updated`). */
  onBalance: (balance: number) => void;
  onConnection: (state: Connection) => void;
  /** Events may have been missed (away longer than the server keeps them): re-read the state. */
  onResync?: () => void;
  /** Ids still worth asking about: the unfinished infographs on the page. */
  unfinished: () => string[];
  /** One status read, used while the socket is down and to catch up after a reconnect. */
  fetchStatus: (id: string) => Promise<InfographUpdate>;
}

/**
 * Live `infograph.updated` and `credits.updated` events over `/api/ws`, reconnecting with jittered
 * exponential backoff. Every event has an id; a reconnect passes the last one seen and the server
 * sends what was missed first (each once), or `resync` when it no longer has it. While the socket
 * is down the unfinished infographs are polled every 5 s, and after every (re)connect they are
 * read once more, which costs little and covers a server that lost its events.
 */
export class LiveUpdates {
  private socket?: WebSocket;
  /** The id of the last event seen (or `hello`'s starting point): where a reconnect resumes. */
  private lastEventId: string | null = null;
  /** True while a ticket is being fetched, so a second connect does not start beside it. */
  private connecting = false;
  private attempt = 0;
  private stopped = true;
  private reconnectTimer?: number;
  private pollTimer?: number;
  private pingTimer?: number;
  private pongTimer?: number;
  private helloTimer?: number;

  constructor(private readonly options: LiveUpdatesOptions) {}

  start(): void {
    this.stopped = false;
    window.addEventListener('online', this.reconnectNow);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.reconnectNow);
    window.clearTimeout(this.reconnectTimer);
    this.stopPolling();
    this.clearHeartbeat();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'bye');
  }

  private readonly reconnectNow = (): void => {
    if (!this.stopped && !this.socket && !this.connecting) {
      window.clearTimeout(this.reconnectTimer);
      this.attempt = 0;
      this.connect();
    }
  };

  private connect(): void {
    this.options.onConnection(this.attempt === 0 ? 'connecting' : 'polling');
    this.connecting = true;
    this.options.url(this.lastEventId).then(
      (url) => {
        this.connecting = false;
        if (!this.stopped) {
          this.open(url);
        }
      },
      () => {
        // No ticket (server down, token revoked): the same backoff as a failed socket.
        this.connecting = false;
        this.down();
      },
    );
  }

  private open(url: string): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      this.down();
      return;
    }
    this.socket = socket;
    this.helloTimer = window.setTimeout(() => socket.close(4000, 'no hello'), HELLO_TIMEOUT_MS);
    socket.addEventListener('message', (event) => this.receive(socket, event));
    socket.addEventListener('close', () => {
      if (this.socket === socket) {
        this.socket = undefined;
        this.down();
      }
    });
  }

  private receive(socket: WebSocket, event: MessageEvent): void {
    const message = parse(event.data);
    if (!message) {
      return;
    }
    if (typeof message.id === 'string' || (message.type === 'hello' && message.id === null)) {
      // hello's id is where this connection goes on from (null: the server keeps nothing yet).
      this.lastEventId = message.id;
    }
    if (message.type === 'hello') {
      window.clearTimeout(this.helloTimer);
      this.attempt = 0;
      this.stopPolling();
      this.options.onConnection('live');
      this.startHeartbeat(socket);
      void this.pollOnce();
    } else if (message.type === 'resync') {
      this.options.onResync?.();
    } else if (message.type === 'pong') {
      window.clearTimeout(this.pongTimer);
    } else if (message.type === 'infograph.updated' && isUpdate(message.infograph)) {
      this.options.onUpdate(message.infograph);
    } else if (message.type === 'credits.updated' && isBalance(message.balance)) {
      this.options.onBalance(message.balance);
    }
  }

  private down(): void {
    this.clearHeartbeat();
    if (this.stopped) {
      return;
    }
    this.options.onConnection('polling');
    this.startPolling();
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    this.attempt += 1;
    // Full jitter: many pages dropped by one api restart do not all come back at once.
    this.reconnectTimer = window.setTimeout(
      () => this.connect(),
      delay / 2 + Math.random() * (delay / 2),
    );
  }

  private startHeartbeat(socket: WebSocket): void {
    this.clearHeartbeat();
    this.pingTimer = window.setInterval(() => {
      socket.send(JSON.stringify({ type: 'ping' }));
      window.clearTimeout(this.pongTimer);
      // A half-open connection (laptop lid, proxy) never closes by itself.
      this.pongTimer = window.setTimeout(() => socket.close(4001, 'no pong'), PONG_TIMEOUT_MS);
    }, PING_INTERVAL_MS);
  }

  private clearHeartbeat(): void {
    window.clearTimeout(this.helloTimer);
    window.clearInterval(this.pingTimer);
    window.clearTimeout(this.pongTimer);
  }

  private startPolling(): void {
    if (this.pollTimer === undefined) {
      this.pollTimer = window.setInterval(() => void this.pollOnce(), POLL_INTERVAL_MS);
    }
  }

  private stopPolling(): void {
    window.clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async pollOnce(): Promise<void> {
    await Promise.all(
      this.options.unfinished().map(async (id) => {
        try {
          this.options.onUpdate(await this.options.fetchStatus(id));
        } catch {
          // The next round (or an event) will tell; one failed read changes nothing.
        }
      }),
    );
  }
}

function parse(
  data: unknown,
): { type?: unknown; id?: unknown; infograph?: unknown; balance?: unknown } | null {
  if (typeof data !== 'string') {
    return null;
  }
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}

function isBalance(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isUpdate(value: unknown): value is InfographUpdate {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    (STATUSES as readonly unknown[]).includes(v.status) &&
    typeof v.updated_at === 'string'
  );
}
