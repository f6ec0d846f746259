import { AppConfig } from '@app/config';
import { FalOutcomeService, InfographStateService } from '@app/infographs';
import { Metrics } from '@app/observability';
import { JobData, JobProducer } from '@app/queues';
import { OBJECT_STORAGE, ObjectStorage, storageKeyFor } from '@app/storage';
import { Processor } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { Job } from 'bullmq';

import { FailureAccountant } from '../failure/failure-accountant';
import { StepProcessor } from '../step-processor';
import { downloadImage } from './image-download';

/** fal sent an ERROR but still lists the request as running: ask again later. */
class FalNotFinishedError extends Error {
  constructor() {
    super('fal.ai reported an error but had not finished the request when asked');
  }
}

/** processing (with fal's image) → completed: copy the image into our storage under a stable key. */
@Processor('upload')
export class UploadProcessor extends StepProcessor {
  private readonly logger = new Logger('Upload');

  constructor(
    config: AppConfig,
    private readonly state: InfographStateService,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly producer: JobProducer,
    private readonly failures: FailureAccountant,
    private readonly metrics: Metrics,
    private readonly outcomes: FalOutcomeService,
  ) {
    super(config);
  }

  async process(job: Job<JobData<'upload'>>): Promise<string> {
    let infograph = await this.state.find(job.data.infographId);
    if (!infograph || infograph.status !== 'processing') {
      return 'skipped: nothing to upload';
    }
    try {
      if (!infograph.falImageUrl) {
        // Sent here by an ERROR webhook: ask fal how the request really ended before failing it.
        const confirmed = await this.outcomes.confirmWithFal(infograph);
        if (confirmed === 'pending') {
          throw new FalNotFinishedError();
        }
        if (confirmed === 'failed') {
          await this.producer.enqueue('notify', [{ infographId: infograph.id }]);
          return 'failed at fal';
        }
        infograph = await this.state.find(infograph.id);
        if (!infograph?.falImageUrl || infograph.status !== 'processing') {
          return 'skipped: nothing to upload';
        }
      }
      const image = await downloadImage(infograph.falImageUrl, {
        allowedHosts: this.config.images.mediaHosts,
        maxBytes: this.config.images.maxBytes,
        timeoutMs: this.config.images.downloadTimeoutMs,
        allowHttp: this.config.fal.simulated || this.config.env === 'test',
      });
      // The same key every run, so a second run overwrites rather than duplicates.
      const key = storageKeyFor({
        userId: infograph.userId,
        infographId: infograph.id,
        contentType: image.contentType,
      });
      const stored = await this.storage.put(key, image.body, {
        contentType: image.contentType,
        contentLength: image.contentLength,
      });
      const completed = await this.state.markCompleted(infograph.id, {
        imageUrl: stored.url,
        width: infograph.width,
        height: infograph.height,
        contentType: image.contentType,
      });
      if (completed) {
        this.metrics.infographsCompleted.inc();
        this.metrics.generationDuration.observe(
          (Date.now() - infograph.createdAt.getTime()) / 1000,
        );
        // updated_at was last set when fal's image was recorded, so it marks the webhook's arrival.
        this.metrics.webhookToCompletedDuration.observe(
          (Date.now() - infograph.updatedAt.getTime()) / 1000,
        );
        await this.producer.enqueue('notify', [{ infographId: infograph.id }]);
        this.logger.log(
          `infographId=${infograph.id} jobId=${job.id} queue=upload stored ${key} (${stored.bytes} bytes)`,
        );
      }
      return stored.url;
    } catch (error) {
      return this.failures.handle(job, job.data.infographId, error);
    }
  }
}
