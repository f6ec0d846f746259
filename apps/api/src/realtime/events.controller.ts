import {
  AuthenticatedUser,
  type Credential,
  CurrentCredential,
  CurrentUser,
  hashApiToken,
} from '@app/auth';
import { Controller, Get, Headers, Req, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { apiError } from '../http/api-error';
import { LastEventIdError, lastEventIdOf } from './last-event-id';
import { RealtimeGateway } from './realtime.gateway';
import { SseConnection, sseFrame } from './sse-connection';

/** What a browser's EventSource waits before it reconnects (the `retry:` field). */
export const SSE_RETRY_MS = 3_000;

/**
 * `GET /api/events/`: the WebSocket's events as Server-Sent Events, for clients that prefer plain
 * HTTP. Authenticated like any GET (the session cookie, which EventSource sends, or an
 * `Authorization` header), never by a token in the URL. Resumes from `Last-Event-ID`.
 */
@ApiTags('realtime')
@Controller('api/events')
export class EventsController {
  constructor(private readonly gateway: RealtimeGateway) {}

  @ApiOperation({
    summary: 'Live events as Server-Sent Events (resumes from Last-Event-ID)',
    description:
      'A `text/event-stream` of the same JSON messages as the `/api/ws` WebSocket, one per `data:` line: ' +
      '`hello` first (its `id:` is where the stream goes on from), then `infograph.updated` and `credits.updated`, ' +
      'each with an `id:` line. Reconnect with `Last-Event-ID` (EventSource does it by itself) to get what you ' +
      'missed, in order, each once; if that id is no longer kept (older than EVENT_REPLAY_WINDOW_MS, 15 min by ' +
      'default) a `resync` message says to re-read what you show. Comment lines (`: ping`) keep the stream open; ' +
      '`retry:` says how soon to reconnect. Authenticate with the session cookie or `Authorization`, never in the URL.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The `id` of the last event you received: the stream replays what came after it',
  })
  @ApiQuery({
    name: 'last_event_id',
    required: false,
    description: 'Same as Last-Event-ID, for a new EventSource (which cannot set headers)',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'The event stream (stays open)',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 400, description: 'Last-Event-ID is not an event id' })
  @ApiResponse({ status: 429, description: 'Too many open streams and sockets for this user' })
  @Get()
  stream(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentUser() user: AuthenticatedUser,
    @CurrentCredential() credential: Credential,
    @Headers('last-event-id') header?: string,
  ): void {
    let lastEventId: string | null;
    try {
      lastEventId = lastEventIdOf(request.query, header);
    } catch (error) {
      if (error instanceof LastEventIdError) {
        throw apiError(400, 'invalid_last_event_id', error.message);
      }
      throw error;
    }
    if (!this.gateway.hasRoomFor(user.id)) {
      throw tooMany();
    }
    if (request.method === 'HEAD') {
      // Fastify answers HEAD with the GET handler: say what a GET would be, and keep no stream.
      void reply.header('content-type', 'text/event-stream; charset=utf-8').send();
      return;
    }
    // From here on the response is ours: Fastify sends nothing and runs no onSend hook, so the
    // headers hooks set on `reply` (request id, CORS) are copied; helmet's are on `raw` already.
    void reply.hijack();
    const raw = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) {
        raw.setHeader(name, value);
      }
    }
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx and similar proxies would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: ${SSE_RETRY_MS}\n\n`);
    const owner = {
      userId: user.id,
      tokenId: user.tokenId,
      tokenHash: hashApiToken(credential.token),
    };
    if (!this.gateway.attach(new SseConnection(raw), owner, lastEventId, sseFrame)) {
      // Another stream took the last place between the check and now: too late for a 429.
      raw.end();
    }
  }
}

function tooMany() {
  return apiError(
    429,
    'too_many_requests',
    'Too many open event streams and WebSockets for this user on this server: close one (another tab?) and retry.',
  );
}
