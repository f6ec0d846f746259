export { createRedisConnection } from './redis-connection';
export { REDIS, RedisModule } from './redis.module';
