import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';

import { JobData, StepQueue, jobIdFor } from './queue-names';
import { QUEUE_REGISTRY, type QueueRegistry } from './queue-registry';

/** The only way jobs are added: deterministic ids, typed payloads. */
@Injectable()
export class JobProducer {
  constructor(@Inject(QUEUE_REGISTRY) private readonly queues: QueueRegistry) {}

  /** Adds one job per infograph in a single round trip; ids already present are left alone. */
  async enqueue<Q extends StepQueue>(queue: Q, payloads: JobData<Q>[]): Promise<void> {
    if (payloads.length === 0) {
      return;
    }
    if (payloads.length === 1) {
      // The common case (a webhook, a job's next step): one script call, no MULTI around it.
      const [data] = payloads;
      await this.queues[queue].add(queue, data, { jobId: jobIdFor(queue, data.infographId) });
      return;
    }
    await this.queues[queue].addBulk(
      payloads.map((data) => ({
        name: queue,
        data,
        opts: { jobId: jobIdFor(queue, data.infographId) },
      })),
    );
  }

  /**
   * Customer webhook deliveries, one job per message: the id is the message's, so announcing an
   * event twice, or a retried notify, adds nothing. `again` (send again, or a message whose job
   * finished) replaces a finished job, as `requeue` does.
   */
  async deliverWebhooks(messageIds: string[], options: { again?: boolean } = {}): Promise<void> {
    if (options.again) {
      await this.redeliverWebhooks(messageIds);
      return;
    }
    for (const messageId of messageIds) {
      await this.queues['customer-webhook'].add(
        'customer-webhook',
        { messageId },
        { jobId: `deliver-${messageId}` },
      );
    }
  }

  /**
   * Webhook messages enqueued again (a lost job, or "send again"): each one whose job is not
   * live any more. Returns how many were added.
   */
  async redeliverWebhooks(messageIds: string[]): Promise<number> {
    const queue = this.queues['customer-webhook'];
    let added = 0;
    for (const messageId of messageIds) {
      const id = `deliver-${messageId}`;
      if (await this.removeIfFinished(queue, id)) {
        await queue.add('customer-webhook', { messageId }, { jobId: id });
        added += 1;
      }
    }
    return added;
  }

  /**
   * Enqueues again after a crash or a lost job. BullMQ silently ignores an add whose id still
   * exists, even as a failed or completed job, so a dead one is removed first. A live one
   * (waiting, delayed, active) is left as it is. Returns whether a job was added.
   */
  async requeue<Q extends StepQueue>(queue: Q, data: JobData<Q>): Promise<boolean> {
    const target = this.queues[queue];
    const id = jobIdFor(queue, data.infographId);
    if (!(await this.removeIfFinished(target, id))) {
      return false;
    }
    await target.add(queue, data, { jobId: id });
    return true;
  }

  /**
   * Runs an infograph's step now: a delayed job (one waiting for a fal slot) is promoted, a dead
   * or missing one added again, one already waiting or active left alone.
   */
  async wake<Q extends StepQueue>(queue: Q, data: JobData<Q>): Promise<void> {
    const existing = await this.queues[queue].getJob(jobIdFor(queue, data.infographId));
    // The common case first, in one round trip: promote throws unless the job is delayed.
    const promoted = await existing?.promote().then(
      () => true,
      () => false,
    );
    if (!promoted) {
      await this.requeue(queue, data);
    }
  }

  /** Removes the job `id` if it is dead (completed, failed); false if it is still live. */
  private async removeIfFinished(target: Queue, id: string): Promise<boolean> {
    const existing = await target.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (
        state === 'waiting' ||
        state === 'delayed' ||
        state === 'active' ||
        state === 'prioritized' ||
        state === 'waiting-children'
      ) {
        return false;
      }
      await existing.remove();
    }
    return true;
  }
}
