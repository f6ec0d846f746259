import type { Infograph } from '@app/database';
import {
  AppliedOutcome,
  GenerationOutcome,
  GenerationOutcomeService,
  InfographStateService,
} from '@app/infographs';
import type { FailureClass } from '@app/observability';
import { JobProducer } from '@app/queues';
import { Injectable } from '@nestjs/common';

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
  constructor(
    private readonly state: InfographStateService,
    private readonly outcomes: GenerationOutcomeService,
    private readonly producer: JobProducer,
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
    if (applied === 'accepted' || (applied === 'duplicate' && infograph.status === 'processing')) {
      await this.upload(infograph.id);
    } else if (applied === 'failed') {
      await this.notify(infograph.id);
    }
  }

  /** An image is recorded but not yet in our storage, or an ERROR must be confirmed: upload. */
  upload(infographId: string): Promise<void> {
    return this.producer.enqueue('upload', [{ infographId }]);
  }

  /** Fails and refunds (once, in one transaction), then tells the user. False if already terminal. */
  async fail(infographId: string, reason: string, reasonClass: FailureClass): Promise<boolean> {
    const failed = await this.state.failAndRefund(infographId, reason, reasonClass);
    if (failed) {
      await this.notify(infographId);
    }
    return failed;
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
