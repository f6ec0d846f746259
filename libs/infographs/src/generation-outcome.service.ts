import { type Infograph, isTerminal } from '@app/database';
import { Injectable, Logger } from '@nestjs/common';

import {
  AppliedOutcome,
  GenerationOutcome,
  isUsableImage,
  whyUnusable,
} from './generation-outcome';
import { InfographStateService } from './infograph-state.service';

/**
 * Moves an infograph forward on the model's verdict, idempotently. The webhook, the upload job
 * and the reconciler all come here, so a result that arrives several ways is applied once.
 */
@Injectable()
export class GenerationOutcomeService {
  private readonly logger = new Logger('Outcome');

  constructor(private readonly state: InfographStateService) {}

  async apply(
    infograph: Infograph,
    falRequestId: string,
    outcome: GenerationOutcome,
  ): Promise<AppliedOutcome> {
    if (isTerminal(infograph.status)) {
      return 'ignored_terminal';
    }
    if (isUsableImage(outcome)) {
      const recorded = await this.state.recordFalImage(
        infograph.id,
        falRequestId,
        outcome.images[0],
      );
      return recorded ? 'accepted' : 'duplicate';
    }
    const failure = whyUnusable(outcome);
    if (!(await this.state.failAndRefund(infograph.id, failure))) {
      return 'ignored_terminal';
    }
    // fal's own words are for operators: the user reads `failure.reason`.
    this.logger.warn(
      `infographId=${infograph.id} falRequestId=${falRequestId} failed and refunded (${failure.code}): ${failure.detail}`,
    );
    return 'failed';
  }
}
