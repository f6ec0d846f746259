import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { NotificationPreferences, type NotificationPrefs } from '@app/notify';
import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { apiError } from '../http/api-error';
import {
  NotificationPreferencesResponse,
  UpdateNotificationPreferencesDto,
} from './dto/notification-preferences.dto';

/** What the user is told when an infograph finishes: an e-mail, a push, both or neither. */
@ApiTags('notifications')
@Controller('api/me/notifications')
export class NotificationPreferencesController {
  constructor(private readonly preferences: NotificationPreferences) {}

  @ApiOperation({ summary: 'Your notification preferences' })
  @ApiOkResponse({ type: NotificationPreferencesResponse })
  @Get()
  async get(@CurrentUser() user: AuthenticatedUser): Promise<NotificationPreferencesResponse> {
    return found(await this.preferences.get(user.id));
  }

  @ApiOperation({ summary: 'Change either preference; answers them as they are now' })
  @ApiOkResponse({ type: NotificationPreferencesResponse })
  @Patch()
  async update(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: UpdateNotificationPreferencesDto,
  ): Promise<NotificationPreferencesResponse> {
    return found(await this.preferences.update(user.id, { email: body.email, push: body.push }));
  }
}

function found(prefs: NotificationPrefs | null): NotificationPreferencesResponse {
  if (!prefs) {
    // The credentials were valid a moment ago: the account was deleted meanwhile.
    throw apiError(404, 'not_found', 'This account no longer exists.');
  }
  return { email: prefs.email, push: prefs.push };
}
