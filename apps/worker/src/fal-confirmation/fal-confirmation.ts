import type { Infograph } from '@app/database';
import { FalGateway } from '@app/fal';
import { AppliedOutcome, GenerationOutcome, InfographStateService } from '@app/infographs';
import { InfographPipeline } from '@app/pipeline';
import { Injectable } from '@nestjs/common';

/** fal sent an ERROR but still lists the request as running: ask again later. */
export class FalNotFinishedError extends Error {
  constructor() {
    super('fal.ai reported an error but had not finished the request when asked');
  }
}

/**
 * Asks fal itself how a request ended, and continues as if its webhook had said so: for a webhook
 * that never came (the reconciler), and before failing on an ERROR delivery (the upload job: the
 * body is a hint, and a stale or out-of-order ERROR must not cost the user an image fal did make).
 */
@Injectable()
export class FalConfirmation {
  constructor(
    private readonly fal: FalGateway,
    private readonly pipeline: InfographPipeline,
    private readonly state: InfographStateService,
  ) {}

  /** 'pending' while fal is still working. Throws fal's errors (transient ones are worth a retry). */
  async confirm(infograph: Infograph): Promise<AppliedOutcome | 'pending'> {
    const requestId = infograph.falRequestId;
    if (!requestId) {
      return 'pending';
    }
    const status = await this.fal.status(requestId);
    if (status.state !== 'COMPLETED') {
      // Still queued at fal (or started: none ahead): what its status answer shows next.
      const ahead = status.state === 'IN_PROGRESS' ? 0 : status.queuePosition;
      if (ahead !== undefined && ahead !== infograph.falQueuePosition) {
        await this.state.recordFalQueuePosition(infograph.id, requestId, ahead);
      }
      return 'pending';
    }
    const outcome: GenerationOutcome = status.error
      ? { kind: 'error', message: await this.failureMessage(requestId, status.error) }
      : { kind: 'ok', ...(await this.fal.result(requestId)) };
    return this.pipeline.applyOutcome(infograph, requestId, outcome);
  }

  /**
   * The status's error, with the detail fal's result call gives: what tells a safety block
   * ("flagged by a content checker") from any other 422.
   */
  private async failureMessage(requestId: string, error: string): Promise<string> {
    const detail = await this.fal.failureDetail(requestId);
    return detail && !error.includes(detail) ? `${error} (${detail})` : error;
  }
}
