import { Injectable, Logger } from '@nestjs/common';

/** What this process does about revocations beyond its token cache (the api closes WebSockets). */
export interface RevocationHandler {
  /** A token was revoked; `tokenHash` is its SHA-256, as Postgres' notice names it. */
  revoked(tokenHash: string): void;
  /**
   * Revocation notices are heard (again): any sent while they were not heard are lost, so
   * whatever holds tokens past one request must check them against the database now.
   */
  resumed(): void;
}

/**
 * Hands revocations (from Postgres' notices, or from `ApiTokensService.revoke` in this process)
 * to whoever subscribed. A handler's error is logged, never allowed to stop the others.
 */
@Injectable()
export class TokenRevocations {
  private readonly logger = new Logger('TokenRevocations');
  private readonly handlers = new Set<RevocationHandler>();

  /** Returns the way to unsubscribe. */
  subscribe(handler: RevocationHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  revoked(tokenHash: string): void {
    this.each((handler) => handler.revoked(tokenHash));
  }

  resumed(): void {
    this.each((handler) => handler.resumed());
  }

  private each(call: (handler: RevocationHandler) => void): void {
    for (const handler of this.handlers) {
      try {
        call(handler);
      } catch (error) {
        this.logger.error(`revocation handler failed: ${(error as Error).message}`);
      }
    }
  }
}
