import { type Infograph, isTerminal } from '@app/database';
import { InfographQueriesService, InfographStateService } from '@app/infographs';
import { InfographPipeline } from '@app/pipeline';
import { OBJECT_STORAGE, ObjectStorage, storageKeysFor } from '@app/storage';
import { Inject, Injectable, Logger } from '@nestjs/common';

/** What a cancel found: it cancelled the infograph, or it had already finished (completed, failed). */
export type CancelResult =
  | { outcome: 'cancelled'; infograph: Infograph }
  | { outcome: 'already_finished'; infograph: Infograph };

/**
 * A user's cancel and delete of one of their infographs. Both go through the pipeline's cancel,
 * the same conditional "fail + refund" every other failure takes, so against the webhook, the
 * upload, the reconciler and a retried submit exactly one transition wins: the user is refunded
 * once or gets the image, never both, never neither.
 */
@Injectable()
export class InfographLifecycle {
  private readonly logger = new Logger('Infographs');

  constructor(
    private readonly queries: InfographQueriesService,
    private readonly state: InfographStateService,
    private readonly pipeline: InfographPipeline,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
  ) {}

  /** Null when the user has no such infograph. */
  async cancel(userId: string, id: string): Promise<CancelResult | null> {
    const found = await this.queries.findOwned(userId, id);
    if (!found) {
      return null;
    }
    const cancelled = !isTerminal(found.status) && (await this.pipeline.cancel(id)) !== null;
    // The row as it is now: cancelled by this call, or finished by whichever step won.
    const now = await this.queries.findOwned(userId, id);
    if (!now) {
      return null;
    }
    return { outcome: cancelled ? 'cancelled' : 'already_finished', infograph: now };
  }

  /**
   * Cancels it first if unfinished (refunded once), so it can no longer change; then removes its
   * stored image and then the row (its refund stays in the ledger). A late webhook or upload finds
   * no row: the webhook is recorded and refused, the upload removes its copy. False when the user
   * has no such infograph (any more): a second delete answers like a missing one. A StorageError
   * leaves the infograph as it was (cancelled, if it was unfinished), for the user to try again.
   */
  async delete(userId: string, id: string): Promise<boolean> {
    const cancelled = await this.cancel(userId, id);
    if (!cancelled) {
      return false;
    }
    const { infograph } = cancelled;
    // Every key its image may have: a completed one has its copy, and an unfinished one may have
    // one that an upload run wrote before it crashed (the row never recorded its type).
    const keys = storageKeysFor({ userId: infograph.userId, infographId: infograph.id });
    await Promise.all(keys.map((key) => this.storage.delete(key)));
    const deleted = await this.state.delete(userId, id);
    // Once more for a stalled upload run that was still writing; the row is gone, so a failure
    // here is only logged.
    await Promise.all(
      keys.map((key) =>
        this.storage.delete(key).catch((error: unknown) => {
          this.logger.warn(`infographId=${id}: second delete of ${key} failed: ${String(error)}`);
        }),
      ),
    );
    return deleted;
  }
}
