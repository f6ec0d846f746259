import type { Infograph } from '@app/database';
import {
  AppliedOutcome,
  type CancelledInfograph,
  GenerationOutcome,
  GenerationOutcomeService,
  type InfographFailure,
  InfographStateService,
} from '@app/infographs';
import { JobProducer } from '@app/queues';
import { Injectable, Logger } from '@nestjs/common';

import { FalCapacity } from './fal-capacity/fal-capacity';

/**
 * Each outcome of an infograph's life and the step that follows it, decided once: an image
 * recorded is uploaded, a failure or a completion is told to the user. The api (fal's webhook)
 * and the worker (its steps and the reconciler) move infographs only through here, so no caller
 * can forget the follow-up. The follow-up is enqueued after the change commits; if that enqueue
 * fails the caller's error path retries it (a 5xx to fal, a job retry), and the reconciler is the
 * backstop for images never uploaded.
 */
@Injectable()
export class InfographPipeline {
  private readonly logger = new Logger('Pipeline');

  constructor(
    private readonly state: InfographStateService,
    private readonly outcomes: GenerationOutcomeService,
    private readonly producer: JobProducer,
    private readonly capacity: FalCapacity,
  ) {}

  /** The model's verdict (by webhook or by polling), applied once, then its follow-up. */
  async applyOutcome(
    infograph: Infograph,
    falRequestId: string,
    outcome: GenerationOutcome,
  ): Promise<AppliedOutcome> {
    const applied = await this.outcomes.apply(infograph, falRequestId, outcome);
    await this.followUp(infograph, applied);
    return applied;
  }

  /**
   * What follows an outcome already applied (also one applied in the webhook's one-statement fast
   * path): upload an accepted image — and again on a duplicate of a processing row, since the
   * first delivery may have recorded the image but failed to enqueue —, notify a failure.
   */
  async followUp(
    infograph: Pick<Infograph, 'id' | 'status'>,
    applied: AppliedOutcome,
  ): Promise<void> {
    // Any outcome means fal is done with the request: its slot goes to the next in fair order.
    await this.capacity.release(infograph.id);
    if (applied === 'accepted' || (applied === 'duplicate' && infograph.status === 'processing')) {
      await this.producer.enqueue('upload', [{ infographId: infograph.id }]);
    } else if (applied === 'failed') {
      await this.notify(infograph.id);
    }
  }

  /** An image is recorded but not yet in our storage, or an ERROR must be confirmed: upload. */
  async upload(infographId: string): Promise<void> {
    await this.capacity.release(infographId);
    await this.producer.enqueue('upload', [{ infographId }]);
  }

  /** Fails and refunds (once, in one transaction), then tells the user. False if already terminal. */
  async fail(infographId: string, failure: InfographFailure): Promise<boolean> {
    const failed = await this.state.failAndRefund(infographId, failure);
    await this.capacity.release(infographId);
    if (failed) {
      await this.notify(infographId);
    }
    return failed;
  }

  /**
   * The user's cancel: failed with `error_code` `cancelled` and refunded (once, in one
   * transaction; it loses cleanly to any transition that got there first), then fal is asked to
   * stop the request, if there is one, and the user's pages are told. What fal still makes is
   * never used: a late OK webhook finds the row terminal and is recorded and ignored. Null if it
   * was already terminal. The follow-ups are best effort: the cancel has committed and the caller
   * answers from it, and a retried cancel would find nothing left to do (fal would at worst finish
   * a request whose result is ignored).
   */
  async cancel(infographId: string): Promise<CancelledInfograph | null> {
    const cancelled = await this.state.cancel(infographId);
    if (cancelled) {
      await this.capacity.release(infographId);
      try {
        if (cancelled.falRequestId) {
          await this.producer.enqueue('cancel', [
            { infographId, falRequestId: cancelled.falRequestId },
          ]);
        }
        await this.notify(infographId);
      } catch (error) {
        this.logger.warn(
          `infographId=${infographId} cancelled and refunded, but its follow-ups were not enqueued: ${(error as Error).message}`,
        );
      }
    }
    return cancelled;
  }

  /** processing → completed once the image is in our storage, then tells the user. */
  async complete(
    infographId: string,
    image: Parameters<InfographStateService['markCompleted']>[1],
  ): Promise<boolean> {
    const completed = await this.state.markCompleted(infographId, image);
    if (completed) {
      await this.notify(infographId);
    }
    return completed;
  }

  private notify(infographId: string): Promise<void> {
    return this.producer.enqueue('notify', [{ infographId }]);
  }
}
