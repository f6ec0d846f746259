export { defaultJobOptions } from './job-options';
export { isLastAttempt } from './job-outcome';
export { JobProducer } from './job-producer';
export {
  QUEUE_NAMES,
  type JobData,
  type JobPayloads,
  type QueueName,
  jobIdFor,
} from './queue-names';
export { QueuesModule } from './queues.module';
export { createRedisConnection } from './redis-connection';
export { RedisModule } from './redis.module';
