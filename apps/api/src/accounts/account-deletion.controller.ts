import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { StorageError } from '@app/storage';
import {
  Body,
  Controller,
  Delete,
  HttpCode,
  Logger,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { apiError } from '../http/api-error';
import { sendRetryAfter } from '../http/rate-limit-headers';
import { AccountDeletion } from './account-deletion.service';
import { AccountThrottle } from './account-throttle';
import { DeleteAccountDto } from './dto/auth.dto';
import { SessionCookie } from './session-cookie';

@ApiTags('me')
@Controller('api/me')
export class AccountDeletionController {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly deletion: AccountDeletion,
    private readonly throttle: AccountThrottle,
    private readonly cookie: SessionCookie,
  ) {}

  @ApiOperation({
    summary: 'Delete your account: images, infographics, keys and sessions; the password again',
  })
  @ApiResponse({ status: 204, description: 'Deleted; the session cookie is cleared' })
  @ApiResponse({ status: 403, description: 'password_incorrect (or csrf_token_* with the cookie)' })
  @ApiResponse({ status: 429, description: 'too_many_attempts: too many wrong passwords' })
  @ApiResponse({ status: 503, description: 'Storage unavailable: nothing was deleted, retry' })
  @Delete()
  @HttpCode(204)
  async delete(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: DeleteAccountDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    // A wrong password here is a guess like a failed sign-in, counted against the same limits.
    const ip = reply.request.ip;
    const locked = await this.throttle.loginWait(ip, user.email);
    if (locked > 0) {
      sendRetryAfter(reply, 'accounts', locked);
      throw apiError(
        429,
        'too_many_attempts',
        `Too many wrong passwords: retry after ${locked} seconds.`,
      );
    }
    if (!(await this.deletion.passwordMatches(user.id, body.password))) {
      await this.throttle.loginFailed(ip, user.email);
      throw apiError(
        403,
        'password_incorrect',
        'Wrong password: deleting the account needs your current password (an account without one sets it by password reset first).',
      );
    }
    try {
      const deleted = await this.deletion.delete(user.id);
      this.logger.log(
        `account ${user.id} deleted: ${deleted.infographs} infographs, ${deleted.objects} stored objects, ${deleted.tokens} tokens, ${deleted.forfeitedCredits} credits forfeited`,
      );
    } catch (error) {
      if (error instanceof StorageError) {
        this.logger.warn(`account ${user.id} not deleted: storage: ${error.message}`);
        throw new ServiceUnavailableException({
          message:
            'Your images cannot be deleted right now, so nothing was deleted: retry shortly.',
          code: 'storage_unavailable',
        });
      }
      throw error;
    }
    this.cookie.clear(reply);
  }
}
