import { AppConfig } from '@app/config';
import { Infograph, User } from '@app/database';
import { Mailer } from '@app/notifications';
import { JobData } from '@app/queues';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';

import { RealtimeEvents } from './realtime-events';

/**
 * Tells the user an infograph is done (completed or failed): a real-time event to open pages and
 * an e-mail. A failure here retries the job and never touches the infograph's status.
 */
@Processor('notify')
export class NotifyProcessor extends WorkerHost {
  private readonly logger = new Logger('Notify');

  constructor(
    private readonly config: AppConfig,
    private readonly events: RealtimeEvents,
    private readonly mailer: Mailer,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    super();
  }

  async process(job: Job<JobData<'notify'>>): Promise<string> {
    const infograph = await this.dataSource.manager.findOneBy(Infograph, {
      id: job.data.infographId,
    });
    if (!infograph || (infograph.status !== 'completed' && infograph.status !== 'failed')) {
      return 'skipped: not terminal';
    }
    const user = await this.dataSource.manager.findOneByOrFail(User, { id: infograph.userId });
    await this.events.publishOrThrow(infograph.id, infograph);
    // Step by step across retries: a retry after a sent e-mail must not send it again.
    if (!job.data.mailed) {
      await this.sendMail(user.email, infograph);
      await job.updateData({ ...job.data, mailed: true });
    }
    this.logger.log(
      `infographId=${infograph.id} jobId=${job.id} queue=notify told ${user.email}: ${infograph.status}`,
    );
    return infograph.status;
  }

  private sendMail(to: string, i: Infograph): Promise<void> {
    if (i.status === 'completed' && i.imageUrl) {
      return this.mailer.sendInfographReady(to, {
        infographId: i.id,
        prompt: i.prompt,
        imageUrl: i.imageUrl,
        statusUrl: `${this.config.api.publicUrl}/api/infographs/status/${i.id}/`,
      });
    }
    return this.mailer.sendInfographFailed(to, {
      infographId: i.id,
      prompt: i.prompt,
      reason: i.errorMessage ?? 'unknown error',
      refundedCredits: i.creditsCharged,
    });
  }
}
