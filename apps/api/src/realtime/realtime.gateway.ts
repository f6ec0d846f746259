import { ApiTokensService, MalformedAuthorizationError } from '@app/auth';
import { RealtimeSubscriber, toClientMessage } from '@app/notifications';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import websocketPlugin from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

import { SocketRegistry } from './socket-registry';
import { upgradeToken } from './upgrade-token';

export const REALTIME_PATH = '/api/ws';
/** Ping interval; a socket that has not answered by the next round is dropped. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** Close code sent when the api shuts down ("going away"): clients should reconnect. */
export const CLOSE_GOING_AWAY = 1001;
/** Clients send nothing we read; a small cap stops anyone from making us buffer big frames. */
const MAX_INCOMING_PAYLOAD_BYTES = 4 * 1024;
/** How long start-up waits for the Redis subscription before going on without it (it heals). */
const SUBSCRIBE_WAIT_MS = 5_000;
/** How long shutdown waits for clients to answer the close handshake before cutting them off. */
const CLOSE_HANDSHAKE_WAIT_MS = 2_000;

/**
 * `GET /api/ws`: live `infograph.updated` events for the token's user. A Fastify route, not a Nest
 * controller, so the global ApiTokenGuard does not run: authentication happens here, in
 * `preValidation`, BEFORE the upgrade, so a bad token gets a plain HTTP 401 and never a socket.
 */
@Injectable()
export class RealtimeGateway implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Realtime');
  private readonly registry = new SocketRegistry<WebSocket>();
  /** The user each authenticated upgrade request belongs to, handed from the hook to the handler. */
  private readonly userOf = new WeakMap<FastifyRequest, string>();
  private stopListening?: () => void;
  private heartbeatTimer?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: ApiTokensService,
    private readonly subscriber: RealtimeSubscriber,
  ) {}

  /**
   * Nest calls this in `app.init()` after registering its controllers but before Fastify is ready
   * (`listen()` readies it), which is still early enough to add a plugin and a route.
   */
  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    await fastify.register(websocketPlugin, {
      options: { maxPayload: MAX_INCOMING_PAYLOAD_BYTES },
      preClose: (done) => {
        // Sockets still open after our own shutdown (see below) are cut, so close never hangs.
        for (const client of fastify.websocketServer.clients) {
          client.terminate();
        }
        fastify.websocketServer.close(() => done());
      },
    });
    // The api's router ignores trailing slashes, so this also answers `/api/ws/`.
    this.addRoute(fastify, REALTIME_PATH);

    this.stopListening = this.subscriber.onEvent((event) => {
      this.registry.sendToUser(event.userId, toClientMessage(event));
    });
    await this.waitForSubscription();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_INTERVAL_MS);
    this.heartbeatTimer.unref();
  }

  /** One heartbeat round (also called by tests); returns how many dead sockets were dropped. */
  heartbeat(): number {
    return this.registry.heartbeat();
  }

  /** Open sockets in this process (for tests and diagnostics). */
  connectionCount(): number {
    return this.registry.size;
  }

  /** Runs before Fastify closes: say goodbye with 1001 so clients know to reconnect elsewhere. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    this.stopListening?.();
    const sockets = this.registry.closeAll(CLOSE_GOING_AWAY, 'server shutting down');
    const closed = sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === socket.CLOSED) {
            resolve();
          } else {
            socket.once('close', () => resolve());
          }
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_HANDSHAKE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private addRoute(fastify: FastifyInstance, url: string): void {
    fastify.route({
      method: 'GET',
      url,
      preValidation: (request, reply) => this.authenticate(request, reply),
      // A plain GET (no upgrade) gets told what to do instead of a bare 404.
      handler: (_request, reply) =>
        reply.code(426).header('upgrade', 'websocket').send({
          statusCode: 426,
          error: 'Upgrade Required',
          message: 'Connect with a WebSocket client.',
        }),
      wsHandler: (socket, request) => this.accept(socket, request),
    });
  }

  /** Returns the reply when it refused the request: Fastify's way to end an async hook early. */
  private async authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    let token: string | null;
    try {
      token = upgradeToken(request.headers.authorization, request.query);
    } catch (error) {
      if (error instanceof MalformedAuthorizationError) {
        return unauthorized(reply, error.message);
      }
      throw error;
    }
    if (token === null) {
      return unauthorized(
        reply,
        'Missing API token: send "Authorization: Token <api token>" or add ?token=<api token>.',
      );
    }
    const user = await this.tokens.authenticate(token);
    if (!user) {
      return unauthorized(reply, 'Invalid or revoked API token.');
    }
    this.userOf.set(request, user.id);
    return undefined;
  }

  private accept(socket: WebSocket, request: FastifyRequest): void {
    const userId = this.userOf.get(request);
    if (!userId) {
      // Cannot happen (preValidation refused the upgrade), but never serve an anonymous socket.
      socket.close(4401, 'Unauthorized');
      return;
    }
    this.registry.add(userId, socket);
    socket.on('pong', () => this.registry.markAlive(socket));
    socket.on('message', (data, isBinary) => {
      this.registry.markAlive(socket);
      // Browsers can neither send nor see ping frames: `{"type":"ping"}` lets them check the line.
      if (!isBinary && isAppPing(Buffer.isBuffer(data) ? data.toString('utf8') : '')) {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    });
    socket.on('close', () => this.registry.remove(socket));
    socket.send(JSON.stringify({ type: 'hello', user_id: userId }));
  }

  private async waitForSubscription(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const subscribed = this.subscriber.start().then(
      () => true,
      (error: unknown) => {
        this.logger.error(
          `realtime: Redis subscription failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return false;
      },
    );
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS);
    });
    const ok = await Promise.race([subscribed, timedOut]);
    clearTimeout(timer);
    if (!ok) {
      this.logger.warn(
        'realtime: not yet subscribed to Redis; events will flow once Redis answers',
      );
    }
  }
}

function isAppPing(text: string): boolean {
  try {
    const message: unknown = JSON.parse(text);
    return (
      typeof message === 'object' &&
      message !== null &&
      (message as { type?: unknown }).type === 'ping'
    );
  } catch {
    return false;
  }
}

function unauthorized(reply: FastifyReply, message: string): FastifyReply {
  // The api's error shape; the upgrade is refused, so the client sees an HTTP 401.
  return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message });
}
