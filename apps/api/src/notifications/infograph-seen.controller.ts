import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { Presence } from '@app/notify';
import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { isUUID } from 'class-validator';

import { apiError } from '../http/api-error';

/** The page saw a finished infograph: its e-mail, still waiting, is then skipped. */
@ApiTags('notifications')
@Controller('api/infographs')
export class InfographSeenController {
  constructor(private readonly presence: Presence) {}

  @ApiOperation({
    summary:
      'Tell the server you saw this finished infographic on an open, visible page: its e-mail (if not yet sent) is skipped',
  })
  @ApiNoContentResponse({ description: 'Recorded (nothing is recorded while it is unfinished)' })
  @ApiResponse({ status: 404, description: 'not_found' })
  @Post(':id/seen')
  @HttpCode(204)
  async seen(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<void> {
    if (!isUUID(id) || !(await this.presence.markSeen(user.id, id))) {
      throw apiError(404, 'not_found', `No infograph ${id} for this account.`);
    }
  }
}
