import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';

import { apiError } from './api-error';

/**
 * Refuses a body that is not JSON. An HTML form on another site can post url-encoded or plain
 * text to us without asking (no CORS preflight), never `application/json`; on the routes that
 * need no session (sign-in above all) this is what stops such a form from, say, signing a
 * visitor in to the attacker's account (login CSRF). A request with no body passes.
 */
@Injectable()
export class JsonOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{
      headers: Record<string, string | string[] | undefined>;
    }>();
    const type = headers['content-type'];
    const value = (Array.isArray(type) ? type[0] : type)?.split(';')[0].trim().toLowerCase();
    if (value !== undefined && value !== '' && value !== 'application/json') {
      throw apiError(
        415,
        'json_required',
        'Send the body as JSON (Content-Type: application/json).',
      );
    }
    return true;
  }
}
