import { AppConfig } from '@app/config';
import type { Infograph } from '@app/database';
import { InfographStateService } from '@app/infographs';
import { Metrics } from '@app/observability';
import { InfographPipeline } from '@app/pipeline';
import { JobData, QUEUES } from '@app/queues';
import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';

import { FalConfirmation, FalNotFinishedError } from '../fal-confirmation/fal-confirmation';
import { FailureAccountant } from '../failure/failure-accountant';
import { skippedBecause } from '../skipped';
import { StepProcessor } from '../step-processor';
import { ImageCopier } from './image-copier';

/** processing (with fal's image) → completed: copy the image into our storage under a stable key. */
@Processor(QUEUES.upload)
export class UploadProcessor extends StepProcessor {
  private readonly logger = new Logger('Upload');

  constructor(
    config: AppConfig,
    private readonly state: InfographStateService,
    private readonly copier: ImageCopier,
    private readonly pipeline: InfographPipeline,
    private readonly confirmation: FalConfirmation,
    private readonly failures: FailureAccountant,
    private readonly metrics: Metrics,
  ) {
    super(config);
  }

  protected async run(job: Job<JobData<'upload'>>): Promise<string> {
    const found = await this.state.find(job.data.infographId);
    if (!found || found.status !== 'processing') {
      if (found?.status === 'failed') {
        // A failed infograph keeps no image, but an earlier run of this job may have written its
        // copy and died before completing the row, which was then cancelled or given up.
        await this.copier.discardAny(found);
      }
      return skippedBecause(found?.status, 'processing');
    }
    try {
      const infograph = found.falImageUrl ? found : await this.confirmWithFal(found);
      if (!infograph?.falImageUrl || infograph.status !== 'processing') {
        return 'skipped: nothing to upload';
      }
      const stored = await this.copier.copy(infograph, infograph.falImageUrl);
      const completed = await this.pipeline.complete(infograph.id, {
        imageUrl: stored.url,
        width: infograph.width,
        height: infograph.height,
        contentType: stored.contentType,
      });
      if (completed) {
        this.observeCompleted(infograph);
        this.logger.log(
          `infographId=${infograph.id} jobId=${job.id} queue=upload stored ${stored.key} (${stored.bytes} bytes)`,
        );
      } else {
        // Its owner cancelled or deleted it (or the whole account) while the image was being
        // copied: it was refunded, or its images were already deleted, so this copy must not
        // outlive it. A row another run completed keeps the object (the same key).
        const now = await this.state.find(infograph.id);
        if (!now || now.status === 'failed') {
          await this.copier.discard(stored.key);
          return `skipped: the infograph was ${now ? 'failed (cancelled or given up)' : 'deleted'} while its image was copied; the copy is removed`;
        }
      }
      return stored.url;
    } catch (error) {
      return this.failures.handle(job, job.data.infographId, error);
    }
  }

  /**
   * Sent here by an ERROR webhook: ask fal how the request really ended before failing it (the
   * pipeline fails and notifies, or records fal's image). The row as it is now.
   */
  private async confirmWithFal(infograph: Infograph): Promise<Infograph | null> {
    if ((await this.confirmation.confirm(infograph)) === 'pending') {
      throw new FalNotFinishedError();
    }
    return this.state.find(infograph.id);
  }

  private observeCompleted(infograph: Infograph): void {
    this.metrics.infographsCompleted.inc();
    this.metrics.generationDuration.observe((Date.now() - infograph.createdAt.getTime()) / 1000);
    // updated_at was last set when fal's image was recorded, so it marks the webhook's arrival.
    this.metrics.webhookToCompletedDuration.observe(
      (Date.now() - infograph.updatedAt.getTime()) / 1000,
    );
  }
}
