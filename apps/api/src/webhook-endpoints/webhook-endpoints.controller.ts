import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { WebhookEndpointError, WebhookEndpointsService } from '@app/customer-webhooks';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { isUUID } from 'class-validator';

import { apiError } from '../http/api-error';
import { CreateWebhookEndpointDto } from './dto/create-webhook-endpoint.dto';
import {
  WebhookDeliveryListResponse,
  WebhookDeliveryResponse,
} from './dto/webhook-delivery.response';
import {
  WebhookEndpointListResponse,
  WebhookEndpointResponse,
  WebhookEndpointWithSecretResponse,
} from './dto/webhook-endpoint.response';

const MESSAGE_ID = /^msg_[0-9a-f]{32}$/;

/**
 * Outbound webhooks (Standard Webhooks; docs/webhooks.md): a user's endpoints, what was sent to
 * each, "send again" and "send test event". Another user's endpoint is answered 404, like one
 * that does not exist.
 */
@ApiTags('webhooks')
@Controller('api/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @ApiOperation({ summary: 'Register an endpoint; its signing secret is in this answer only' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretResponse })
  @ApiResponse({ status: 400, description: 'validation_failed or invalid_webhook_url' })
  @ApiResponse({ status: 409, description: 'too_many_webhook_endpoints' })
  @Post()
  @HttpCode(201)
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<WebhookEndpointWithSecretResponse> {
    try {
      const endpoint = await this.endpoints.create(user.id, {
        url: body.url,
        eventTypes: body.event_types,
        description: body.description,
      });
      return WebhookEndpointWithSecretResponse.withSecret(endpoint);
    } catch (error) {
      throw asHttp(error);
    }
  }

  @ApiOperation({ summary: 'Your endpoints, newest first (no secrets)' })
  @ApiOkResponse({ type: WebhookEndpointListResponse })
  @Get()
  async list(@CurrentUser() user: AuthenticatedUser): Promise<WebhookEndpointListResponse> {
    const endpoints = await this.endpoints.list(user.id);
    return { endpoints: endpoints.map((e) => WebhookEndpointResponse.from(e)) };
  }

  @ApiOperation({ summary: 'One endpoint (no secret)' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiResponse({ status: 404, description: 'not_found' })
  @Get(':id')
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
  ): Promise<WebhookEndpointResponse> {
    return WebhookEndpointResponse.from(
      found(isUUID(id) ? await this.endpoints.find(user.id, id) : null, id),
    );
  }

  @ApiOperation({
    summary: 'Delete an endpoint; nothing more is sent to it, queued deliveries included',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiResponse({ status: 404, description: 'not_found' })
  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<void> {
    found(isUUID(id) && (await this.endpoints.remove(user.id, id)) ? true : null, id);
  }

  @ApiOperation({
    summary:
      'New signing secret (in this answer only); the old one keeps signing beside it for the overlap window',
  })
  @ApiOkResponse({ type: WebhookEndpointWithSecretResponse })
  @ApiResponse({ status: 404, description: 'not_found' })
  @Post(':id/rotate-secret')
  @HttpCode(200)
  async rotateSecret(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
  ): Promise<WebhookEndpointWithSecretResponse> {
    const endpoint = found(isUUID(id) ? await this.endpoints.rotateSecret(user.id, id) : null, id);
    return WebhookEndpointWithSecretResponse.withSecret(endpoint);
  }

  @ApiOperation({ summary: 'Re-enable an endpoint that was disabled after failing for too long' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiResponse({ status: 404, description: 'not_found' })
  @Post(':id/enable')
  @HttpCode(200)
  async enable(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
  ): Promise<WebhookEndpointResponse> {
    return WebhookEndpointResponse.from(
      found(isUUID(id) ? await this.endpoints.enable(user.id, id) : null, id),
    );
  }

  @ApiOperation({ summary: 'What was sent to it: the latest 50 events, each with its attempts' })
  @ApiOkResponse({ type: WebhookDeliveryListResponse })
  @ApiResponse({ status: 404, description: 'not_found' })
  @Get(':id/deliveries')
  async deliveries(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
  ): Promise<WebhookDeliveryListResponse> {
    const records = found(isUUID(id) ? await this.endpoints.deliveries(user.id, id) : null, id);
    return { deliveries: records.map((r) => WebhookDeliveryResponse.fromRecord(r)) };
  }

  @ApiOperation({
    summary: 'Send an event again: same webhook-id and payload, newly signed, retried as before',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiResponse({ status: 404, description: 'not_found: no such endpoint or event' })
  @Post(':id/deliveries/:messageId/resend')
  @HttpCode(202)
  async resend(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Param('messageId') messageId: string,
  ): Promise<WebhookDeliveryResponse> {
    const message =
      isUUID(id) && MESSAGE_ID.test(messageId)
        ? await this.endpoints.resend(user.id, id, messageId)
        : null;
    return WebhookDeliveryResponse.from(found(message, messageId));
  }

  @ApiOperation({
    summary: 'Send a `webhook.test` event to this endpoint (whatever it subscribed to)',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiResponse({ status: 404, description: 'not_found' })
  @Post(':id/test')
  @HttpCode(202)
  async sendTest(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
  ): Promise<WebhookDeliveryResponse> {
    return WebhookDeliveryResponse.from(
      found(isUUID(id) ? await this.endpoints.sendTest(user.id, id) : null, id),
    );
  }
}

function found<T>(value: T | null, id: string): T {
  if (value === null) {
    throw apiError(404, 'not_found', `No webhook endpoint or event ${id} for this account.`);
  }
  return value;
}

function asHttp(error: unknown): unknown {
  return error instanceof WebhookEndpointError
    ? apiError(error.status, error.code, error.message)
    : error;
}
