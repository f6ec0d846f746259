import { AppConfig } from '@app/config';
import type { Infograph } from '@app/database';
import { FalCapacity } from '@app/pipeline';
import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';

/**
 * How long a submit job waiting for a fal slot sleeps before it asks again: a quarter of the
 * lease (1–15 s), plus up to a fifth of jitter. It is normally woken long before (the pick
 * promotes the jobs it grants a slot to); this is only the backstop for a wake that was lost.
 */
export function slotRecheckDelayMs(leaseMs: number, random: number): number {
  const base = Math.min(15_000, Math.max(1000, leaseMs / 4));
  return Math.round(base * (1 + random / 5));
}

/**
 * A submit job whose infograph waits in the fair queue for a fal slot: back to BullMQ's delayed
 * set (`moveToDelayed` + `DelayedError`: no attempt spent, as in FalOutageHold), still `pending`
 * and charged. The generation timeout (the reconciler) still bounds the wait.
 */
@Injectable()
export class FalSlotWait {
  private readonly logger = new Logger('Submit');

  constructor(
    private readonly config: AppConfig,
    private readonly capacity: FalCapacity,
  ) {}

  async hold(job: Job, infograph: Pick<Infograph, 'id'>): Promise<never> {
    const until = Date.now() + slotRecheckDelayMs(this.config.falCapacity.leaseMs, Math.random());
    await job.moveToDelayed(until, job.token);
    // A slot freed between our ask and the move found this job still active, so its wake could not
    // promote it: promote it ourselves, or the slot would idle until the re-check.
    if (await this.capacity.holds(infograph.id)) {
      await job.promote().catch(() => undefined);
    }
    this.logger.debug(
      `infographId=${infograph.id} jobId=${job.id} queue=submit waiting for a fal slot (FAL_MAX_IN_FLIGHT=${this.config.falCapacity.maxInFlight})`,
    );
    throw new DelayedError();
  }
}
