import { ApiTokensService, MalformedAuthorizationError, TokenRevocations } from '@app/auth';
import { AppConfig } from '@app/config';
import { RealtimeSubscriber } from '@app/notifications';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import websocketPlugin from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

import { EventFeeds, FeedMessage } from './event-feeds';
import { LastEventIdError, lastEventIdOf } from './last-event-id';
import {
  CLOSE_GOING_AWAY,
  CLOSE_TOKEN_REVOKED,
  CLOSE_TOO_MANY_CONNECTIONS,
  isAppPing,
  refuseUpgrade,
} from './realtime-protocol';
import { SocketOwners } from './socket-owners';
import { RegistrySocket, SocketOwner, SocketRegistry } from './socket-registry';
import { UpgradeCredential, UpgradeCredentialError, upgradeCredential } from './upgrade-credential';

export const REALTIME_PATH = '/api/ws';
/** Ping interval; a socket that has not answered by the next round is dropped. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** Clients send nothing we read; a small cap stops anyone from making us buffer big frames. */
const MAX_INCOMING_PAYLOAD_BYTES = 4 * 1024;
/** How long start-up waits for the Redis subscription before going on without it (it heals). */
const SUBSCRIBE_WAIT_MS = 5_000;
/** How long shutdown waits for clients to answer the close handshake before cutting them off. */
const CLOSE_HANDSHAKE_WAIT_MS = 2_000;

/** What `preValidation` hands the handler: who connects, and the revocations seen before. */
interface PendingUpgrade {
  owner: SocketOwner;
  revocationsBefore: number;
  /** The last event id the client saw (`?last_event_id=`), to resume from. */
  lastEventId: string | null;
}

/**
 * A client connection of either transport (a `ws` socket, or an SSE stream's adapter): what the
 * registry needs, and a way to learn when it has closed.
 */
export interface LiveConnection extends RegistrySocket {
  readonly CLOSED: number;
  once(event: 'close', listener: () => void): unknown;
  /** 'pong': the client answered a ping (WebSocket) or a ping reached it (SSE). */
  on(event: 'pong', listener: () => void): unknown;
}

/**
 * `GET /api/ws`: live `infograph.updated` and `credits.updated` events for the user. A Fastify route, not a Nest
 * controller, so the global ApiTokenGuard does not run: authentication (an `Authorization` header,
 * or a one-time ticket from `POST /api/ws/ticket/`) and the per-user cap happen here, in
 * `preValidation`, BEFORE the upgrade, so a refusal is a plain HTTP 401 or 429 and never a socket.
 * A socket lives no longer than its API token: a revocation closes it with 4401.
 */
@Injectable()
export class RealtimeGateway implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Realtime');
  private readonly registry = new SocketRegistry<LiveConnection>();
  /** Each authenticated upgrade request's owner, handed from the hook to the handler. */
  private readonly pending = new WeakMap<FastifyRequest, PendingUpgrade>();
  /**
   * Counts revocation notices (and gaps in them). An upgrade that saw it move between its token
   * check and its socket's registration re-checks its token: the notice may have been for it.
   */
  private revocationsSeen = 0;
  private stopRevocations?: () => void;
  private heartbeatTimer?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: ApiTokensService,
    private readonly owners: SocketOwners,
    private readonly revocations: TokenRevocations,
    private readonly subscriber: RealtimeSubscriber,
    private readonly config: AppConfig,
    private readonly feeds: EventFeeds,
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

    this.stopRevocations = this.revocations.subscribe({
      revoked: (tokenHash) => {
        this.revocationsSeen++;
        this.registry.closeWhere(
          (owner) => owner.tokenHash === tokenHash,
          CLOSE_TOKEN_REVOKED,
          'token revoked',
        );
      },
      // Notices sent while they were not heard are lost: ask the database about every socket.
      resumed: () => {
        this.revocationsSeen++;
        void this.closeRevoked(this.registry.tokenIds());
      },
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
    this.stopRevocations?.();
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
          code: 'upgrade_required',
        }),
      wsHandler: (socket, request) => this.accept(socket, request),
    });
  }

  /** Returns the reply when it refused the request: Fastify's way to end an async hook early. */
  private async authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    const revocationsBefore = this.revocationsSeen;
    let credential: UpgradeCredential | null;
    try {
      credential = upgradeCredential(request.headers.authorization, request.query);
    } catch (error) {
      if (error instanceof MalformedAuthorizationError || error instanceof UpgradeCredentialError) {
        return refuseUpgrade(reply, 401, error.message);
      }
      throw error;
    }
    if (credential === null) {
      return refuseUpgrade(
        reply,
        401,
        'Missing API token: send "Authorization: Token <api token>", or (browsers) get a one-time ' +
          'ticket from POST /api/ws/ticket/ and connect to /api/ws?ticket=<ticket>.',
      );
    }
    let owner: SocketOwner | string;
    try {
      owner =
        credential.kind === 'token'
          ? await this.owners.ofToken(credential.token)
          : await this.owners.ofTicket(credential.ticket);
    } catch (error) {
      // Postgres or Redis cannot answer: the client should retry (the page polls meanwhile).
      this.logger.warn(`realtime: upgrade not authenticated: ${(error as Error).message}`);
      void reply.header('retry-after', '5');
      return refuseUpgrade(
        reply,
        503,
        'Live updates are temporarily unavailable; please retry shortly.',
      );
    }
    if (typeof owner === 'string') {
      return refuseUpgrade(reply, 401, owner);
    }
    const max = this.config.realtime.maxConnectionsPerUser;
    if (this.registry.countFor(owner.userId) >= max) {
      return refuseUpgrade(
        reply,
        429,
        `Too many open WebSockets: at most ${max} per user on this server. Close one (another tab?) and retry.`,
      );
    }
    let lastEventId: string | null;
    try {
      lastEventId = lastEventIdOf(request.query);
    } catch (error) {
      if (error instanceof LastEventIdError) {
        return refuseUpgrade(reply, 400, error.message);
      }
      throw error;
    }
    this.pending.set(request, { owner, revocationsBefore, lastEventId });
    return undefined;
  }

  /**
   * Serves a connection of another transport (SSE) like a socket: counted against the per-user
   * cap, pinged, closed on revocation and shutdown, and fed the user's events through `format`.
   * Returns false (and registers nothing) when the user is at the cap.
   */
  attach(
    connection: LiveConnection,
    owner: SocketOwner,
    lastEventId: string | null,
    format: (message: FeedMessage) => string,
  ): boolean {
    if (this.registry.countFor(owner.userId) >= this.config.realtime.maxConnectionsPerUser) {
      return false;
    }
    const revocationsBefore = this.revocationsSeen;
    this.serve(connection, owner, lastEventId, format);
    if (this.revocationsSeen !== revocationsBefore) {
      void this.closeRevoked([owner.tokenId]);
    }
    return true;
  }

  /** Whether the user may open another connection here (checked again when it registers). */
  hasRoomFor(userId: string): boolean {
    return this.registry.countFor(userId) < this.config.realtime.maxConnectionsPerUser;
  }

  /** Registers the connection and starts its feed: hello (with its id), missed events, live. */
  private serve(
    connection: LiveConnection,
    owner: SocketOwner,
    lastEventId: string | null,
    format: (message: FeedMessage) => string,
  ): void {
    this.registry.add(connection, owner);
    connection.on('pong', () => this.registry.markAlive(connection));
    let closed = false;
    let feed: { close(): void } | undefined;
    connection.once('close', () => {
      closed = true;
      this.registry.remove(connection);
      feed?.close();
    });
    void this.feeds
      .open(owner.userId, lastEventId, { type: 'hello', user_id: owner.userId }, (message) =>
        this.registry.send(connection, format(message)),
      )
      .then((opened) => {
        feed = opened;
        if (closed) {
          opened.close();
        }
      });
  }

  private accept(socket: WebSocket, request: FastifyRequest): void {
    const upgrade = this.pending.get(request);
    if (!upgrade) {
      // Cannot happen (preValidation refused the upgrade), but never serve an anonymous socket.
      socket.close(4401, 'Unauthorized');
      return;
    }
    const { owner, revocationsBefore, lastEventId } = upgrade;
    if (this.registry.countFor(owner.userId) >= this.config.realtime.maxConnectionsPerUser) {
      // Concurrent upgrades can all pass the check in preValidation; only this one is exact.
      socket.close(CLOSE_TOO_MANY_CONNECTIONS, 'too many connections');
      return;
    }
    socket.on('message', (data, isBinary) => {
      this.registry.markAlive(socket);
      if (!isBinary && isAppPing(Buffer.isBuffer(data) ? data.toString('utf8') : '')) {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    });
    this.serve(socket, owner, lastEventId, (message) => JSON.stringify(message));
    if (this.revocationsSeen !== revocationsBefore) {
      // A notice arrived while this socket was not yet registered: it may have named its token.
      void this.closeRevoked([owner.tokenId]);
    }
  }

  /** Asks the database which of these tokens are revoked, and closes their sockets here. */
  private async closeRevoked(tokenIds: string[]): Promise<void> {
    if (tokenIds.length === 0) {
      return;
    }
    try {
      const revoked = await this.tokens.notLive(tokenIds);
      this.registry.closeWhere(
        (owner) => revoked.has(owner.tokenId),
        CLOSE_TOKEN_REVOKED,
        'token revoked',
      );
    } catch (error) {
      // The database is down: the revocation listener loses its connection too, and its next
      // `resumed` brings us back here.
      this.logger.warn(`realtime: could not re-check tokens: ${(error as Error).message}`);
    }
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
