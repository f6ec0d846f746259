import { AppConfig } from '@app/config';
// For its types: request.cookies, reply.setCookie (the plugin itself is registered in createApiApp).
import type {} from '@fastify/cookie';
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The session cookie: httpOnly (no script can read it, so none can steal it or compute the
 * CSRF token), SameSite=Lax (not sent on other sites' sub-requests or form posts), Path=/,
 * Secure with the `__Host-` prefix over https and in production (see AppConfig.accounts), and
 * gone from the browser when the session expires on the server.
 */
@Injectable()
export class SessionCookie {
  constructor(private readonly config: AppConfig) {}

  read(request: FastifyRequest): string | undefined {
    return request.cookies[this.config.accounts.sessionCookie.name] || undefined;
  }

  set(reply: FastifyReply, token: string): void {
    void reply.setCookie(this.config.accounts.sessionCookie.name, token, {
      ...this.attributes(),
      maxAge: Math.floor(this.config.accounts.sessionTtlMs / 1000),
    });
  }

  clear(reply: FastifyReply): void {
    void reply.clearCookie(this.config.accounts.sessionCookie.name, this.attributes());
  }

  private attributes() {
    return {
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.config.accounts.sessionCookie.secure,
      path: '/',
    };
  }
}
