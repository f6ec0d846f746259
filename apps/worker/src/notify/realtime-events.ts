import type { Infograph } from '@app/database';
import {
  infographUpdatedEvent,
  type InfographUpdate,
  type InfographUpdateSource,
} from '@app/infographs';
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
  async publish(
    infograph: InfographSnapshot,
    estimate: Pick<InfographUpdate, 'eta_ms'> = {},
  ): Promise<void> {
    try {
      await this.publisher.publish(infographUpdatedEvent(infograph, estimate));
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
