import { createServer, Server, Socket, connect } from 'node:net';

export type ProxyMode = 'pass' | 'refuse' | 'blackhole' | 'stall';

/**
 * A loopback TCP proxy in front of a real service, to simulate its outage without touching it:
 * - `pass`: forwards bytes both ways;
 * - `refuse`: cuts every open connection and resets new ones at once (like a closed port or a
 *   crashed server);
 * - `blackhole`: cuts open connections and accepts new ones but never answers (like a dead host
 *   or a partition): the case where clients hang unless they have timeouts;
 * - `stall`: like `blackhole`, but open connections stay open and silently stop carrying bytes
 *   (a partition in the middle of a session): a query already sent never gets its answer.
 * Leaving `stall` for `pass` drops the stalled connections (their protocol state is unknown).
 */
export class TcpProxy {
  private mode: ProxyMode = 'pass';
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined = undefined;
    const server = createServer((client) => proxy?.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    proxy = new TcpProxy(server, typeof address === 'object' && address ? address.port : 0);
    return proxy;
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  setMode(mode: ProxyMode): void {
    const previous = this.mode;
    this.mode = mode;
    if (mode === 'stall') {
      for (const [client, upstream] of this.pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    } else if (mode !== 'pass' || previous === 'stall') {
      this.cutAll();
    }
  }

  /** Destroys every open connection (both sides). */
  cutAll(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private accept(client: Socket, host: string, port: number): void {
    this.track(client);
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'blackhole' || this.mode === 'stall') {
      client.pause();
      return;
    }
    const upstream = connect(port, host);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    client.once('close', () => {
      upstream.destroy();
      this.pairs.delete(pair);
    });
    upstream.once('close', () => client.destroy());
  }
}
