import type { FastifyReply } from 'fastify';

/**
 * The IETF rate-limit fields, in the syntax of draft-ietf-httpapi-ratelimit-headers-09
 * (structured fields, one named policy each):
 *
 *   RateLimit-Policy: "create";q=60;w=60    at most q requests per w seconds
 *   RateLimit: "create";r=57;t=42           r left in this window, which ends in t seconds
 *
 * Sent beside Retry-After (which stays the field every client understands), so clients that know
 * the draft can slow down before they are refused. Earlier drafts used other field names
 * (`RateLimit-Limit`, …) or `limit=, remaining=, reset=`; clients must read this syntax.
 */
export interface RateLimitState {
  /** The policy's name, a short token (`create`, `sign-in`). */
  policy: string;
  /** Requests allowed per window; omitted when the limit is several buckets (then no policy). */
  quota?: number;
  windowSeconds?: number;
  remaining: number;
  resetSeconds: number;
}

export function sendRateLimit(reply: FastifyReply, state: RateLimitState): void {
  const name = JSON.stringify(state.policy);
  if (state.quota !== undefined && state.windowSeconds !== undefined) {
    void reply.header('ratelimit-policy', `${name};q=${state.quota};w=${state.windowSeconds}`);
  }
  void reply.header(
    'ratelimit',
    `${name};r=${Math.max(0, state.remaining)};t=${Math.max(0, Math.ceil(state.resetSeconds))}`,
  );
}

/** A refusal (429): Retry-After and, for clients of the draft, nothing left until it passes. */
export function sendRetryAfter(
  reply: FastifyReply,
  policy: string,
  waitSeconds: number,
  limit?: { quota: number; windowSeconds: number },
): void {
  const wait = Math.max(1, Math.ceil(waitSeconds));
  void reply.header('retry-after', String(wait));
  sendRateLimit(reply, { policy, ...limit, remaining: 0, resetSeconds: wait });
}
