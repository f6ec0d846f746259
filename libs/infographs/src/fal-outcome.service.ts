import type { Infograph } from '@app/database';
import { Injectable } from '@nestjs/common';

import { AppliedOutcome, FalOutcome, NSFW_REASON, describeFalError } from './fal-outcome';
import { InfographStateService } from './infograph-state.service';

/**
 * Moves an infograph forward on fal's verdict, idempotently. The webhook and the reconciler both
 * call this, so a result that arrives both ways is applied once.
 */
@Injectable()
export class FalOutcomeService {
  constructor(private readonly state: InfographStateService) {}

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
