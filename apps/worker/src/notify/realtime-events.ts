import { Infograph } from '@app/database';
import { RealtimePublisher } from '@app/notifications';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Tells the user's open pages about an infograph's current state. */
@Injectable()
export class RealtimeEvents {
  private readonly logger = new Logger('Realtime');

  constructor(
    private readonly publisher: RealtimePublisher,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Best effort for intermediate states: a page that misses one reads the status on its next poll. */
  async publish(infographId: string): Promise<void> {
    try {
      await this.publishOrThrow(infographId);
    } catch (error) {
      this.logger.warn(
        `infographId=${infographId} event not published: ${(error as Error).message}`,
      );
    }
  }

  async publishOrThrow(infographId: string, loaded?: Infograph): Promise<void> {
    const i = loaded ?? (await this.dataSource.manager.findOneBy(Infograph, { id: infographId }));
    if (!i) {
      return;
    }
    await this.publisher.publish({
      type: 'infograph.updated',
      userId: i.userId,
      infograph: {
        id: i.id,
        status: i.status,
        image_url: i.imageUrl,
        error_message: i.errorMessage,
        updated_at: i.updatedAt.toISOString(),
      },
    });
  }
}
