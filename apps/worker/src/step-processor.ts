import { AppConfig } from '@app/config';
import { WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';

import { inJobLogContext } from './job-log-context';

/**
 * A step queue's processor (submit, upload, notify): runs `WORKER_CONCURRENCY` jobs at once, each
 * in its job's log context. Concurrency is set here, once the worker exists, because the setting
 * is only known at run time.
 */
export abstract class StepProcessor extends WorkerHost implements OnApplicationBootstrap {
  @Inject(PinoLogger) private readonly logs!: PinoLogger;

  constructor(protected readonly config: AppConfig) {
    super();
  }

  /**
   * What BullMQ calls; a step does its work in `run`, so no step can skip the log context.
   * `token` is the job's lock, which a step needs to postpone itself (`job.moveToDelayed`).
   */
  process(job: Job, token?: string): Promise<string> {
    return inJobLogContext(this.logs, job, () => this.run(job, token));
  }

  protected abstract run(job: Job, token?: string): Promise<string>;

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.worker.concurrency;
  }
}
