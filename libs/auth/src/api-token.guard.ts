import {
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { MalformedAuthorizationError, parseAuthorizationHeader } from './api-token';
import { ApiTokensService } from './api-tokens.service';
import type { AuthenticatedUser } from './token-cache';

const PUBLIC_ROUTE = 'ainfographic:public';

/** Marks a route (or controller) that needs no API token: health, webhook, docs. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthenticatedUser;
}

/** Requires `Authorization: Token <token>` (or `Bearer`) on every route not marked `@Public()`. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
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
        throw new UnauthorizedException(error.message);
      }
      throw error;
    }
    if (token === null) {
      throw new UnauthorizedException(
        'Missing API token: send "Authorization: Token <api token>". Create one with `npm run cli -- token:create`.',
      );
    }
    const user = await this.tokens.authenticate(token);
    if (!user) {
      throw new UnauthorizedException('Invalid or revoked API token.');
    }
    request.user = user;
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
