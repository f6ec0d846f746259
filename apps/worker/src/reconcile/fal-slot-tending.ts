import { StaleInfographsService } from '@app/infographs';
import { FalCapacity } from '@app/pipeline';
import { Injectable, Logger } from '@nestjs/common';

/**
 * The reconciler's care of fal's slots, each pass: a slot whose request is still at fal is renewed
 * (so a lease outlives the longest generation only while someone is alive to renew it); a slot
 * whose request is over is released (a release that was lost); a slot granted to an infograph
 * not yet submitted is left to its submit job, or to expire. Then expired leases are dropped and
 * free slots handed out: a worker killed holding one costs at most FAL_SLOT_LEASE_MS.
 */
@Injectable()
export class FalSlotTending {
  private readonly logger = new Logger('Reconcile');

  constructor(
    private readonly capacity: FalCapacity,
    private readonly stale: StaleInfographsService,
  ) {}

  async tend(): Promise<{ renewed: number; released: number }> {
    if (!this.capacity.limited) {
      return { renewed: 0, released: 0 };
    }
    const holders = await this.capacity.holders();
    const { atFal, pending } = await this.stale.whereAre(holders);
    const over = holders.filter((id) => !atFal.includes(id) && !pending.includes(id));
    let renewed = 0;
    for (const id of atFal) {
      renewed += Number(await this.capacity.renew(id));
    }
    for (const id of over) {
      await this.capacity.release(id);
    }
    await this.capacity.pump();
    if (over.length > 0) {
      this.logger.log(`released ${over.length} fal slot(s) whose request was over`);
    }
    return { renewed, released: over.length };
  }
}
