import type { Infograph } from '@app/database';
import { infographUpdatedEvent, type InfographUpdateSource } from '@app/infographs';
import { RealtimePublisher } from '@app/notifications';
import { Injectable, Logger } from '@nestjs/common';

/** What an event says about an infograph: the row as the step that changed it left it. */
export type InfographSnapshot = InfographUpdateSource & Pick<Infograph, 'userId'>;

/** Tells the user's open pages about an infograph's current state. */
@Injectable()
export class RealtimeEvents {
  private readonly logger = new Logger('Realtime');

  constructor(private readonly publisher: RealtimePublisher) {}

  /** Best effort for intermediate states: a page that misses one reads the status on its next poll. */
  async publish(infograph: InfographSnapshot): Promise<void> {
    try {
      await this.publishOrThrow(infograph);
    } catch (error) {
      this.logger.warn(
        `infographId=${infograph.id} event not published: ${(error as Error).message}`,
      );
    }
  }

  async publishOrThrow(i: InfographSnapshot): Promise<void> {
    await this.publisher.publish(infographUpdatedEvent(i));
  }
}
