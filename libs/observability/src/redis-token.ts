/**
 * Injection token of the shared fail-fast Redis client (health checks, rate limits, caches).
 * Defined here, below libs/queues (which provides it), so health checks need no queue code.
 */
export const REDIS = Symbol('REDIS');
