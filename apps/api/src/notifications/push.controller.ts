import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { AppConfig } from '@app/config';
import { PushSubscriptionError, PushSubscriptions } from '@app/notify';
import { Body, Controller, Delete, Get, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { apiError } from '../http/api-error';
import {
  PushEndpointDto,
  PushSettingsResponse,
  PushSubscriptionDto,
  PushSubscriptionResponse,
} from './dto/push.dto';

/**
 * Web Push (docs/notifications.md): the key a browser subscribes with, and its subscription.
 * A finished infograph is then pushed to every browser the user subscribed (the worker's notify).
 */
@ApiTags('notifications')
@Controller('api/push')
export class PushController {
  constructor(
    private readonly config: AppConfig,
    private readonly subscriptions: PushSubscriptions,
  ) {}

  @ApiOperation({ summary: 'Whether Web Push is on, and the VAPID public key to subscribe with' })
  @ApiOkResponse({ type: PushSettingsResponse })
  @Get()
  settings(): PushSettingsResponse {
    const vapid = this.config.push.vapid;
    return { enabled: vapid !== undefined, vapid_public_key: vapid?.publicKey ?? null };
  }

  @ApiOperation({
    summary:
      'Subscribe this browser: the body is its PushSubscription.toJSON(); an endpoint already known is moved to you (200)',
  })
  @ApiCreatedResponse({ type: PushSubscriptionResponse, description: 'Subscribed' })
  @ApiOkResponse({ type: PushSubscriptionResponse, description: 'Known endpoint, now yours' })
  @ApiResponse({
    status: 400,
    description: 'validation_failed, invalid_push_endpoint or invalid_push_keys',
  })
  @ApiResponse({ status: 409, description: 'push_disabled: this server has no VAPID keys' })
  @Post('subscriptions')
  @HttpCode(201)
  async subscribe(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: PushSubscriptionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PushSubscriptionResponse> {
    try {
      const { subscription, created } = await this.subscriptions.subscribe(user.id, {
        endpoint: body.endpoint,
        p256dh: body.keys.p256dh,
        auth: body.keys.auth,
      });
      void reply.status(created ? 201 : 200);
      return {
        id: subscription.id,
        endpoint: subscription.endpoint,
        created_at: subscription.createdAt.toISOString(),
      };
    } catch (error) {
      throw error instanceof PushSubscriptionError
        ? apiError(error.status, error.code, error.message)
        : error;
    }
  }

  @ApiOperation({
    summary: 'Unsubscribe a browser (by its endpoint); done also if it was not subscribed',
  })
  @ApiNoContentResponse({ description: 'Unsubscribed' })
  @Delete('subscriptions')
  @HttpCode(204)
  async unsubscribe(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: PushEndpointDto,
  ): Promise<void> {
    await this.subscriptions.unsubscribe(user.id, body.endpoint);
  }
}
