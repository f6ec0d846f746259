export { createRedisConnection } from './redis-connection';
export { REDIS } from './redis-token';
export { RedisModule } from './redis.module';
