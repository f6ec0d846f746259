export { createRedisConnection, type RedisClient } from './redis-connection';
export { REDIS } from './redis-token';
export { RedisModule } from './redis.module';
