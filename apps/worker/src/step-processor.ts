import { AppConfig } from '@app/config';
import { WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';

/**
 * A step queue's processor (submit, upload, notify): runs `WORKER_CONCURRENCY` jobs at once. Set
 * here, once the worker exists, because the setting is only known at run time.
 */
export abstract class StepProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(protected readonly config: AppConfig) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.worker.concurrency;
  }
}
