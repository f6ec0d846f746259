import { AppConfig } from '@app/config';
import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { MalformedAuthorizationError, parseAuthorizationHeader } from './api-token';
import { ApiTokensService } from './api-tokens.service';
import { csrfTokenMatches } from './csrf-token';
import type { AuthenticatedUser } from './token-cache';

const PUBLIC_ROUTE = 'ainfographic:public';

/** Methods a cookie-authenticated request may use without a CSRF token: they change nothing. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The header that carries the session's CSRF token (`GET /api/auth/session/` gives it). */
export const CSRF_HEADER = 'x-csrf-token';

/** Marks a route (or controller) that needs no API token: health, webhook, docs. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Whether a controller's handler is `@Public()` (on itself or its class), as the guard decides:
 * the OpenAPI document reads it so its security requirements cannot disagree with the guard.
 */
export function isPublicRoute(handler: object, controller: object): boolean {
  return Boolean(
    (Reflect.getMetadata(PUBLIC_ROUTE, handler) as unknown) ??
    (Reflect.getMetadata(PUBLIC_ROUTE, controller) as unknown),
  );
}

/**
 * How the request proved who it is: a token in `Authorization` (an API key, or any token a
 * script holds) or the session cookie a password sign-in set, which alone needs CSRF checks.
 */
export interface Credential {
  via: 'header' | 'cookie';
  /** The plain token (the cookie's session token, whose CSRF token the page is told). */
  token: string;
}

interface AuthenticatedRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed by @fastify/cookie, which the api registers. */
  cookies?: Record<string, string | undefined>;
  user?: AuthenticatedUser;
  credential?: Credential;
}

/**
 * Requires a credential on every route not marked `@Public()`: `Authorization: Token <token>`
 * (or `Bearer`), or else the session cookie of a password sign-in. A cookie is sent by the
 * browser whoever made the page, so with it every method that changes something must also carry
 * the session's CSRF token in `X-CSRF-Token`; a header token is never sent on its own, so it
 * needs none.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (
      this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      return true;
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    let token: string | null;
    try {
      token = parseAuthorizationHeader(Array.isArray(header) ? header[0] : header);
    } catch (error) {
      if (error instanceof MalformedAuthorizationError) {
        throw new UnauthorizedException({
          message: error.message,
          code: 'malformed_authorization',
        });
      }
      throw error;
    }
    if (token !== null) {
      const user = await this.tokens.authenticate(token);
      if (!user) {
        throw new UnauthorizedException({
          message: 'Invalid or revoked API token.',
          code: 'invalid_token',
        });
      }
      request.user = user;
      request.credential = { via: 'header', token };
      return true;
    }
    const session = request.cookies?.[this.config.accounts.sessionCookie.name];
    if (!session) {
      throw new UnauthorizedException({
        message:
          'Not signed in: sign in on the web page (POST /api/auth/login/), or send "Authorization: Token <api key>" with an API key from your account (POST /api/tokens/).',
        code: 'not_authenticated',
      });
    }
    const user = await this.tokens.authenticate(session);
    if (!user || user.tokenKind !== 'session') {
      throw new UnauthorizedException({
        message: 'Your session has ended (signed out, expired or revoked): sign in again.',
        code: 'session_ended',
      });
    }
    if (!SAFE_METHODS.has(request.method.toUpperCase())) {
      const given = request.headers[CSRF_HEADER];
      const csrf = Array.isArray(given) ? given[0] : given;
      if (!csrf) {
        throw new ForbiddenException({
          message: `Missing CSRF token: send the session's csrf_token (GET /api/auth/session/) in ${CSRF_HEADER}.`,
          code: 'csrf_token_missing',
        });
      }
      if (!csrfTokenMatches(session, csrf)) {
        throw new ForbiddenException({
          message: `Wrong CSRF token: fetch the current one from GET /api/auth/session/ (it changes at every sign-in).`,
          code: 'csrf_token_invalid',
        });
      }
    }
    request.user = user;
    request.credential = { via: 'cookie', token: session };
    return true;
  }
}

/** The user the guard authenticated. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.user) {
      throw new UnauthorizedException('Not authenticated.');
    }
    return request.user;
  },
);

/** How the guard authenticated the request (undefined on a public route). */
export const CurrentCredential = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Credential | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().credential,
);
