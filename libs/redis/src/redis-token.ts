/**
 * Injection token of the shared fail-fast Redis client (health checks, rate limits, caches).
 * A token of its own, so code that only uses the client needs neither the module nor queue code.
 */
export const REDIS = Symbol('REDIS');
