/** Queue names are wire format (they are part of Redis keys): never rename one in place. */
export const QUEUE_NAMES = ['submit', 'upload', 'notify', 'reconcile'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** What each queue's jobs carry: ids only, the database is the truth. */
export interface JobPayloads {
  submit: { infographId: string };
  upload: { infographId: string };
  notify: { infographId: string };
  reconcile: Record<string, never>;
}

export type JobData<Q extends QueueName> = JobPayloads[Q];

/**
 * One job per infograph per step, so a repeated enqueue is a no-op. BullMQ rejects custom ids
 * that are all digits or contain ':', hence `<queue>-<uuid>`.
 */
export function jobIdFor(queue: Exclude<QueueName, 'reconcile'>, infographId: string): string {
  return `${queue}-${infographId}`;
}
