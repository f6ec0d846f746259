export { defaultJobOptions } from './job-options';
export { isLastAttempt } from './job-outcome';
export { JobProducer } from './job-producer';
export {
  QUEUE_NAMES,
  QUEUES,
  type JobData,
  type JobPayloads,
  type QueueName,
  type StepQueue,
  jobIdFor,
} from './queue-names';
export { QueuesModule } from './queues.module';
