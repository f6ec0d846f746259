/** Queue names are wire format (they are part of Redis keys): never rename one in place. */
export const QUEUE_NAMES = [
  'submit',
  'upload',
  'notify',
  'reconcile',
  'cancel',
  'customer-webhook',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/**
 * The names by key (`QUEUES.submit === 'submit'`), for decorators that need one name
 * (`@Processor(QUEUES.submit)`). Built from QUEUE_NAMES, so the list stays the one place.
 */
export const QUEUES = Object.freeze(
  Object.fromEntries(QUEUE_NAMES.map((name) => [name, name])) as { [Q in QueueName]: Q },
);

/**
 * The queues of the pipeline's steps, one job per infograph each; reconcile is a repeating job,
 * customer-webhook one job per webhook message.
 */
export type StepQueue = Exclude<QueueName, 'reconcile' | 'customer-webhook'>;

/** What each queue's jobs carry: ids only, the database is the truth. */
export interface JobPayloads {
  submit: { infographId: string };
  upload: { infographId: string };
  notify: { infographId: string };
  /** Stops a cancelled infograph's request at fal; carries the request id, as the row may be gone. */
  cancel: { infographId: string; falRequestId: string };
  reconcile: Record<string, never>;
  /** Delivers one customer webhook message (its id is the stable `webhook-id`). */
  'customer-webhook': { messageId: string };
}

export type JobData<Q extends QueueName> = JobPayloads[Q];

/**
 * One job per infograph per step, so a repeated enqueue is a no-op. BullMQ rejects custom ids
 * that are all digits or contain ':', hence `<queue>-<uuid>`.
 */
export function jobIdFor(queue: StepQueue, infographId: string): string {
  return `${queue}-${infographId}`;
}
