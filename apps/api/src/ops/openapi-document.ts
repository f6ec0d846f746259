import { isPublicRoute } from '@app/auth';
import type { AppConfig } from '@app/config';
import type { INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type PathItemObject,
  type ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';

import { ErrorResponse } from '../http/error.response';
import {
  CreditsUpdatedMessage,
  HelloMessage,
  InfographUpdatedMessage,
  ResyncMessage,
} from '../realtime/dto/realtime-messages';
import {
  CLOSE_GOING_AWAY,
  CLOSE_TOKEN_REVOKED,
  CLOSE_TOO_MANY_CONNECTIONS,
} from '../realtime/realtime-protocol';

const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorResponse' };
const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
};
const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/**
 * The answers every operation of a kind can give, whatever its own decorators say: they come from
 * the global guard, pipe, body parser and exception filter, not from the handler.
 */
const EVERY_OPERATION: Record<string, string> = {
  '500': 'An unexpected error (its details are in our log, under `request_id`)',
  '503': 'A store (database, Redis, storage) is unavailable right now: retry after Retry-After',
};
const AUTHENTICATED: Record<string, string> = {
  '401':
    'No valid credentials (`not_authenticated`, `invalid_token`, `malformed_authorization`, `session_ended`)',
};
const AUTHENTICATED_WRITE: Record<string, string> = {
  '403': 'With the session cookie: `csrf_token_missing` or `csrf_token_invalid`',
};
const VALIDATED: Record<string, string> = {
  '400': 'Invalid request: `validation_failed` with `details` per field, or `invalid_json`',
};
const WITH_BODY: Record<string, string> = {
  '413': 'Body too large (`payload_too_large`)',
  '415': 'Body not JSON (`unsupported_media_type`, `json_required`)',
};

/** `Infographs_create`: the operation ids (and so the generated clients' names) of our handlers. */
export function operationIdOf(controller: string, method: string): string {
  return `${controller.replace(/Controller$/, '')}_${method}`;
}

/**
 * The api's OpenAPI document: the controllers' and DTOs' decorators, then what holds for every
 * operation (the shared error schema on each error answer, the answers of the global guard, pipe
 * and filter, security from `@Public()` itself), servers and the WebSocket's messages.
 */
export function createOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const base = new DocumentBuilder()
    .setTitle('ainfographic')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addServer(config.api.publicUrl)
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: '`Token <api key>` (or `Bearer <api key>`)',
      },
      'token',
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'cookie',
        name: config.accounts.sessionCookie.name,
        description:
          'The session cookie of POST /api/auth/login/ (browsers); writes also need X-CSRF-Token',
      },
      'session',
    )
    .build();
  const document = SwaggerModule.createDocument(app, base, {
    extraModels: [
      ErrorResponse,
      HelloMessage,
      InfographUpdatedMessage,
      CreditsUpdatedMessage,
      ResyncMessage,
    ],
    operationIdFactory: operationIdOf,
  });
  document.security = [{ token: [] }, { session: [] }];
  const publicOperations = publicOperationIds(app);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of operationsOf(item)) {
      nameWildcardParameter(path, operation);
      completeOperation(method, operation, publicOperations.has(operation.operationId ?? ''));
    }
  }
  return { ...document, 'x-websocket': WEBSOCKET } as OpenAPIObject;
}

function operationsOf(item: PathItemObject): [string, OperationObject][] {
  return (['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const).flatMap(
    (method) => (item[method] ? [[method, item[method]] as [string, OperationObject]] : []),
  );
}

function completeOperation(method: string, operation: OperationObject, isPublic: boolean): void {
  const write = WRITE_METHODS.has(method);
  const validated =
    write ||
    operation.requestBody !== undefined ||
    (operation.parameters ?? []).some((p) => 'in' in p && p.in === 'query');
  const implied = {
    ...(validated ? VALIDATED : {}),
    ...(isPublic ? {} : AUTHENTICATED),
    ...(!isPublic && write ? AUTHENTICATED_WRITE : {}),
    ...(write ? WITH_BODY : {}),
    ...EVERY_OPERATION,
  };
  for (const [status, description] of Object.entries(implied)) {
    operation.responses[status] ??= { description };
  }
  // In status order, as Swagger UI lists them.
  operation.responses = Object.fromEntries(
    Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)),
  );
  if (isPublic) {
    // No credentials: the document-wide requirement (token or session) does not apply.
    operation.security = [];
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    if (Number(status) >= 400) {
      const answer = response as ResponseObject;
      answer.content ??= { 'application/json': { schema: ERROR_SCHEMA } };
      if (status === '429' || status === '503') {
        answer.headers = { ...RETRY_AFTER, ...answer.headers };
      }
    }
  }
}

/**
 * Fastify's wildcard route (`/files/*`) becomes `/files/{path}` in the document but its parameter
 * keeps the name `*`, which no path template can hold: name it after the template.
 */
function nameWildcardParameter(path: string, operation: OperationObject): void {
  const placeholder = /\{([^}]+)\}$/.exec(path)?.[1];
  for (const parameter of operation.parameters ?? []) {
    if ('in' in parameter && parameter.in === 'path' && parameter.name === '*' && placeholder) {
      parameter.name = placeholder;
      parameter.description ??= 'The rest of the path';
    }
  }
}

/** The operation ids of the handlers the guard lets through without credentials. */
function publicOperationIds(app: INestApplication): Set<string> {
  const ids = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') {
        continue;
      }
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (
          name !== 'constructor' &&
          typeof handler === 'function' &&
          Reflect.getMetadata(PATH_METADATA, handler) !== undefined &&
          isPublicRoute(handler, metatype)
        ) {
          ids.add(operationIdOf(metatype.name, name));
        }
      }
    }
  }
  return ids;
}

const DESCRIPTION = `Create AI infographics without waiting on the model: create answers at once (status \`pending\`), then follow the status, the history or the \`/api/ws\` WebSocket.

**Authentication.** Send \`Authorization: Token <api key>\` (scripts and backends; make keys on the web page or with POST /api/tokens/), or use the session cookie of POST /api/auth/login/ (browsers; then send its \`csrf_token\` as \`X-CSRF-Token\` on every POST, PUT, PATCH and DELETE). Operations marked with no security need neither; fal's and Stripe's webhooks are authenticated by their signature headers instead.

**Errors.** Every error is an \`ErrorResponse\`: \`message\` (one string, for people), \`code\` (a stable word to branch on), \`details\` (per invalid field, with \`validation_failed\`). Every path also answers with a trailing slash.

**Live updates (WebSocket \`/api/ws\`).** Connect with the \`Authorization\` header, or (browsers, which cannot set it) with a one-time ticket: POST /api/ws/ticket/, then \`/api/ws?ticket=<ticket>\` within 30 s. The server sends JSON text messages: \`hello\` (\`HelloMessage\`) once connected, \`infograph.updated\` (\`InfographUpdatedMessage\`) whenever one of your infographics changes, and \`credits.updated\` (\`CreditsUpdatedMessage\`) when your balance changes. Send \`{"type":"ping"}\` to get \`{"type":"pong"}\`.

**Resuming.** Every event has an \`id\` (a Redis Stream id, rising per user). Reconnect with the last one you saw, \`/api/ws?ticket=<ticket>&last_event_id=<id>\`, and the server sends \`hello\`, then every event you missed (kept EVENT_REPLAY_WINDOW_MS, 15 min by default), in order, then live ones: nothing missed, nothing twice. If that id is no longer kept you get \`resync\` (\`ResyncMessage\`) after \`hello\`: re-read what you show. \`hello\`'s \`id\` is where the connection goes on from; keep it as your last id until an event comes. The same events are served as Server-Sent Events at GET /api/events/ (\`Last-Event-ID\`).

A refused upgrade is a plain HTTP 400 (a malformed last_event_id), 401, 429 or 503 with an \`ErrorResponse\`. Close codes: ${CLOSE_GOING_AWAY} (server restarting: reconnect), ${CLOSE_TOKEN_REVOKED} (token revoked: do not reconnect with it), ${CLOSE_TOO_MANY_CONNECTIONS} (too many open sockets). The \`x-websocket\` extension says the same for programs.`;

const WEBSOCKET = {
  path: '/api/ws',
  authentication: [
    'Authorization: Token <api key> (header)',
    '?ticket=<ticket> from POST /api/ws/ticket/ (browsers; once, within 30 s)',
  ],
  resume: '?last_event_id=<id of the last event received>: missed events first, or resync',
  serverSentEvents: 'GET /api/events/ (Last-Event-ID)',
  serverMessages: {
    hello: { $ref: '#/components/schemas/HelloMessage' },
    'infograph.updated': { $ref: '#/components/schemas/InfographUpdatedMessage' },
    'credits.updated': { $ref: '#/components/schemas/CreditsUpdatedMessage' },
    resync: { $ref: '#/components/schemas/ResyncMessage' },
    pong: {
      type: 'object',
      properties: { type: { type: 'string', enum: ['pong'] } },
      required: ['type'],
    },
  },
  clientMessages: {
    ping: {
      type: 'object',
      properties: { type: { type: 'string', enum: ['ping'] } },
      required: ['type'],
    },
  },
  upgradeErrors: {
    '400': ERROR_SCHEMA,
    '401': ERROR_SCHEMA,
    '429': ERROR_SCHEMA,
    '503': ERROR_SCHEMA,
  },
  closeCodes: {
    [CLOSE_GOING_AWAY]: 'The server is shutting down: reconnect (to another instance)',
    [CLOSE_TOKEN_REVOKED]: 'The token was revoked: do not reconnect with it',
    [CLOSE_TOO_MANY_CONNECTIONS]: 'Too many open sockets for this user',
  },
};
