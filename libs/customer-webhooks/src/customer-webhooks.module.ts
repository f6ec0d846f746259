import { Module } from '@nestjs/common';

import { WebhookAnnouncer } from './webhook-announcer';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';

/**
 * Outbound webhooks to customers. The app provides the database, the config and (through its
 * global QueuesModule) the JobProducer; the api uses the endpoints and the announcer, the worker
 * the announcer and the delivery.
 */
@Module({
  providers: [WebhookEndpointsService, WebhookAnnouncer, WebhookDeliveryService],
  exports: [WebhookEndpointsService, WebhookAnnouncer, WebhookDeliveryService],
})
export class CustomerWebhooksModule {}
