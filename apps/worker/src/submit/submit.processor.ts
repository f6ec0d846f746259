import { AppConfig } from '@app/config';
import type { Infograph } from '@app/database';
import { FalGateway, FalWebhookUrls } from '@app/fal';
import {
  etaAtFalMs,
  GenerationTimesService,
  InfographStateService,
  stageOf,
} from '@app/infographs';
import { Metrics } from '@app/observability';
import { FalCapacity } from '@app/pipeline';
import { JobData, QUEUES } from '@app/queues';
import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';

import { BreakerWait, FalCircuitBreaker } from '../fal-breaker/fal-circuit-breaker';
import { FailureAccountant } from '../failure/failure-accountant';
import { skippedBecause } from '../skipped';
import { StepProcessor } from '../step-processor';
import { RealtimeEvents } from '../notify/realtime-events';
import { BlogContextService } from './blog-context.service';
import { falInputFor } from './fal-input';
import { FalOutageHold } from './fal-outage-hold';
import { FalSlotWait } from './fal-slot-wait';
import { buildPrompt } from './prompt-template';

/**
 * pending → processing: scrape the blog (if any), build the prompt, submit to fal with our webhook.
 * The submit goes through the fal circuit breaker: while fal is out of reach for everyone, the job
 * is held (FalOutageHold) instead of failing. Before that, the infograph needs one of fal's slots
 * (FalCapacity, FAL_MAX_IN_FLIGHT): without one it waits in the fair queue (FalSlotWait).
 */
@Processor(QUEUES.submit)
export class SubmitProcessor extends StepProcessor {
  private readonly logger = new Logger('Submit');
  /** Batch sizes already read (a batch never changes): one query per batch, not per infograph. */
  private readonly batchSizes = new Map<string, Promise<number>>();

  constructor(
    config: AppConfig,
    private readonly state: InfographStateService,
    private readonly blogs: BlogContextService,
    private readonly fal: FalGateway,
    private readonly webhookUrls: FalWebhookUrls,
    private readonly failures: FailureAccountant,
    private readonly events: RealtimeEvents,
    private readonly metrics: Metrics,
    private readonly breaker: FalCircuitBreaker,
    private readonly outage: FalOutageHold,
    private readonly capacity: FalCapacity,
    private readonly slotWait: FalSlotWait,
    private readonly generationTimes: GenerationTimesService,
  ) {
    super(config);
  }

  protected async run(job: Job<JobData<'submit'>>): Promise<string> {
    const { infographId } = job.data;
    const infograph = await this.state.find(infographId);
    if (!infograph || infograph.status !== 'pending') {
      // Its place in the fair queue (or a slot granted to it) is someone else's now; but not the
      // slot of a request at fal: this is a repeated run (a doorbell the reconciler rang as the
      // first run submitted), and the request's result frees that slot.
      if (!infograph || stageOf(infograph) !== 'generating') {
        await this.capacity.release(infographId);
      }
      return skippedBecause(infograph?.status, 'pending');
    }
    if (!(await this.capacity.admit(await this.slotRequest(infograph)))) {
      return this.slotWait.hold(job, infograph);
    }
    let outcome: string | BreakerWait | undefined;
    try {
      outcome = await this.submit(job, infograph);
    } finally {
      // Not at fal (an error to retry, or the breaker holds it): the slot goes to the next one;
      // a retry asks again, in its place by created-at.
      if (outcome === undefined || typeof outcome !== 'string') {
        await this.capacity.release(infographId);
      }
    }
    return typeof outcome === 'string' ? outcome : this.outage.hold(job, infograph, outcome);
  }

  private async slotRequest(infograph: Infograph) {
    const bulk =
      this.capacity.limited &&
      (await this.batchSize(infograph)) > this.config.falCapacity.interactiveMaxBatch;
    return {
      infographId: infograph.id,
      userId: infograph.userId,
      createdAt: infograph.createdAt,
      bulk,
    };
  }

  private batchSize(infograph: Infograph): Promise<number> {
    // The promise is kept, not the number: a batch's submit jobs run at the same moment, and they
    // share one read.
    let size = this.batchSizes.get(infograph.batchId);
    if (size === undefined) {
      if (this.batchSizes.size >= 10_000) {
        this.batchSizes.clear();
      }
      size = this.state.batchSize(infograph);
      this.batchSizes.set(infograph.batchId, size);
      // A failed read is not kept: the next job of the batch asks again.
      size.catch(() => this.batchSizes.delete(infograph.batchId));
    }
    return size;
  }

  /** The request id (or why it was skipped), or the breaker's wait when fal was not called. */
  private async submit(job: Job, infograph: Infograph): Promise<string | BreakerWait> {
    try {
      const blog = infograph.blogUrl
        ? await this.blogs.forBatch(infograph.batchId, infograph.blogUrl)
        : null;
      const prompt = buildPrompt(infograph.prompt, blog);
      const webhookUrl = this.webhookUrls.forInfograph(infograph.id);
      const input = falInputFor(infograph, prompt, {
        safetyTolerance: this.config.fal.safetyTolerance,
      });
      const call = await this.breaker.call(() => {
        const stopTimer = this.metrics.falSubmitDuration.startTimer();
        return this.fal.submit(input, webhookUrl).finally(() => stopTimer());
      });
      if (call.kind === 'wait') {
        return call;
      }
      const { requestId, queuePosition } = call.value;
      const submittedRow = await this.state.markProcessing(
        infograph.id,
        requestId,
        prompt,
        queuePosition ?? null,
      );
      if (!submittedRow) {
        // Another run got there first (a retry racing a stalled job): this fal request is surplus.
        await this.fal.cancel(requestId).catch(() => undefined);
        return 'skipped: submitted by another run';
      }
      this.logger.log(
        `infographId=${infograph.id} jobId=${job.id} queue=submit submitted as ${requestId}`,
      );
      // At fal now: its open pages can count down from a typical generation time, after any fal
      // says are ahead of it. (A failed read of the recent times only leaves the estimate out.)
      const medianMs = await this.generationTimes
        .medianMs(infograph.resolution)
        .catch(() => undefined);
      const etaMs =
        medianMs === undefined
          ? null
          : etaAtFalMs({
              medianMs,
              falQueuePosition: submittedRow.falQueuePosition,
              maxInFlight: this.config.falCapacity.maxInFlight,
              sinceSubmitMs: 0,
            });
      await this.events.publish(submittedRow, etaMs === null ? {} : { eta_ms: etaMs });
      return requestId;
    } catch (error) {
      return this.failures.handle(job, infograph.id, error, { blogUrl: infograph.blogUrl });
    }
  }
}
