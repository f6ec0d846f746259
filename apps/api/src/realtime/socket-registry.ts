/** The part of a `ws` WebSocket the registry uses (a small surface keeps it unit-testable). */
export interface RegistrySocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string, callback?: (error?: Error) => void): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** Who opened a socket, and with which API token (its revocation closes the socket). */
export interface SocketOwner {
  readonly userId: string;
  readonly tokenId: string;
  /** What Postgres' revocation notices name (see `TokenRevocationListener`). */
  readonly tokenHash: string;
}

/** `WebSocket.OPEN` in `ws`, repeated so this file needs no runtime import. */
const OPEN = 1;

/**
 * A client that stops reading makes its send buffer grow without bound; past this many bytes it
 * is dropped (it can reconnect and re-read statuses) rather than allowed to eat the api's memory.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Which sockets belong to which user in this process, and whether each answered the last ping.
 * Only this process's sockets: other api instances get the same events from Redis.
 */
export class SocketRegistry<S extends RegistrySocket = RegistrySocket> {
  private readonly byUser = new Map<string, Set<S>>();
  private readonly state = new Map<S, { owner: SocketOwner; alive: boolean }>();

  get size(): number {
    return this.state.size;
  }

  countFor(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  add(socket: S, owner: SocketOwner): void {
    this.state.set(socket, { owner, alive: true });
    let sockets = this.byUser.get(owner.userId);
    if (!sockets) {
      sockets = new Set();
      this.byUser.set(owner.userId, sockets);
    }
    sockets.add(socket);
  }

  remove(socket: S): void {
    const entry = this.state.get(socket);
    if (!entry) {
      return;
    }
    this.state.delete(socket);
    const { userId } = entry.owner;
    const sockets = this.byUser.get(userId);
    sockets?.delete(socket);
    if (sockets?.size === 0) {
      // Drop empty sets so the map does not grow with every user who ever connected.
      this.byUser.delete(userId);
    }
  }

  /** A pong (or any message) proves the client is still there. */
  markAlive(socket: S): void {
    const entry = this.state.get(socket);
    if (entry) {
      entry.alive = true;
    }
  }

  /** Sends `data` to the user's open sockets here; returns how many it was written to. */
  sendToUser(userId: string, data: string): number {
    let sent = 0;
    for (const socket of [...(this.byUser.get(userId) ?? [])]) {
      if (this.send(socket, data)) {
        sent += 1;
      }
    }
    return sent;
  }

  /** Sends `data` to one open socket; false when it is closed or was dropped for not reading. */
  send(socket: S, data: string): boolean {
    if (socket.readyState !== OPEN) {
      return false;
    }
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.terminate();
      this.remove(socket);
      return false;
    }
    // A send can only fail when the socket is going away; its close handler cleans up.
    socket.send(data, () => undefined);
    return true;
  }

  /**
   * One heartbeat round: sockets that did not answer the previous ping are terminated (a vanished
   * client never sends a close frame), the others are pinged. Returns how many were dropped.
   */
  heartbeat(): number {
    let dropped = 0;
    for (const [socket, entry] of [...this.state]) {
      if (!entry.alive) {
        socket.terminate();
        this.remove(socket);
        dropped += 1;
        continue;
      }
      entry.alive = false;
      if (socket.readyState === OPEN) {
        socket.ping();
      }
    }
    return dropped;
  }

  /**
   * Closes the sockets whose owner matches (a revoked token) and forgets them at once, so they get
   * no more events and no longer count against their user while their close handshakes run.
   * A scan, not an index: revocations are rare.
   */
  closeWhere(matches: (owner: SocketOwner) => boolean, code: number, reason: string): S[] {
    const closed: S[] = [];
    for (const [socket, entry] of [...this.state]) {
      if (matches(entry.owner)) {
        this.remove(socket);
        socket.close(code, reason);
        closed.push(socket);
      }
    }
    return closed;
  }

  /** The API tokens this process's sockets were opened with, each once. */
  tokenIds(): string[] {
    return [...new Set([...this.state.values()].map((entry) => entry.owner.tokenId))];
  }

  /** Closes every socket (shutdown); returns them so the caller can wait for the handshakes. */
  closeAll(code: number, reason: string): S[] {
    const sockets = [...this.state.keys()];
    for (const socket of sockets) {
      socket.close(code, reason);
    }
    return sockets;
  }
}
