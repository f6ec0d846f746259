import type { Infograph } from '@app/database';
import { FalGateway } from '@app/fal';
import { Injectable } from '@nestjs/common';

import { AppliedOutcome, FalOutcome, NSFW_REASON, describeFalError } from './fal-outcome';
import { InfographStateService } from './infograph-state.service';

/**
 * Moves an infograph forward on fal's verdict, idempotently. The webhook, the upload job and the
 * reconciler all come here, so a result that arrives several ways is applied once.
 */
@Injectable()
export class FalOutcomeService {
  constructor(
    private readonly state: InfographStateService,
    private readonly fal: FalGateway,
  ) {}

  /**
   * Asks fal itself how the request ended and applies that: for a webhook that never came, and
   * before failing on an ERROR delivery (the body is a hint, and a stale or out-of-order ERROR
   * must not cost the user an image fal did make). 'pending' while fal is still working.
   * Throws fal's errors (transient ones are worth a retry).
   */
  async confirmWithFal(infograph: Infograph): Promise<AppliedOutcome | 'pending'> {
    const requestId = infograph.falRequestId;
    if (!requestId) {
      return 'pending';
    }
    const status = await this.fal.status(requestId);
    if (status.state !== 'COMPLETED') {
      return 'pending';
    }
    const outcome: FalOutcome = status.error
      ? { kind: 'error', message: status.error }
      : { kind: 'ok', ...(await this.fal.result(requestId)) };
    return this.apply(infograph, requestId, outcome);
  }

  async apply(
    infograph: Infograph,
    falRequestId: string,
    outcome: FalOutcome,
  ): Promise<AppliedOutcome> {
    if (infograph.status === 'completed' || infograph.status === 'failed') {
      return 'ignored_terminal';
    }
    if (outcome.kind === 'error') {
      return (await this.state.failAndRefund(
        infograph.id,
        describeFalError(outcome.message),
        'fal_error',
      ))
        ? 'failed'
        : 'ignored_terminal';
    }
    if (outcome.nsfw) {
      return (await this.state.failAndRefund(infograph.id, NSFW_REASON, 'nsfw'))
        ? 'failed'
        : 'ignored_terminal';
    }
    const image = outcome.images[0];
    if (!image) {
      return (await this.state.failAndRefund(
        infograph.id,
        describeFalError('the result held no image'),
        'fal_error',
      ))
        ? 'failed'
        : 'ignored_terminal';
    }
    const recorded = await this.state.recordFalImage(infograph.id, falRequestId, {
      url: image.url,
      width: image.width,
      height: image.height,
      contentType: image.contentType,
    });
    return recorded ? 'accepted' : 'duplicate';
  }
}
