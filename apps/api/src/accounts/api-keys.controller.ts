import { ApiTokensService, AuthenticatedUser, CurrentUser } from '@app/auth';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { isUUID } from 'class-validator';

import { apiError } from '../http/api-error';
import { CreateApiKeyDto } from './dto/api-key.dto';
import { ApiKeyListResponse, ApiKeyResponse, CreatedApiKeyResponse } from './dto/api-key.response';

/** More live keys than anyone needs; the cap keeps one account from growing the table forever. */
const MAX_LIVE_API_KEYS = 50;

/**
 * The user's own API keys (for scripts and other programs). Sessions are tokens too, but never
 * listed or revoked here: signing out ends a session. Operators keep the CLI's token commands.
 */
@ApiTags('accounts')
@Controller('api/tokens')
export class ApiKeysController {
  constructor(private readonly tokens: ApiTokensService) {}

  @ApiOperation({ summary: 'Your live API keys, newest first (never the keys themselves)' })
  @ApiResponse({ status: 200, type: ApiKeyListResponse })
  @Get()
  async list(@CurrentUser() user: AuthenticatedUser): Promise<ApiKeyListResponse> {
    const keys = await this.tokens.liveApiKeysOf(user.id);
    return { api_keys: keys.map((key) => ApiKeyResponse.from(key)) };
  }

  @ApiOperation({ summary: 'Create an API key: the answer shows it once' })
  @ApiResponse({ status: 201, type: CreatedApiKeyResponse })
  @ApiResponse({ status: 403, description: 'session_required: sign in to create API keys' })
  @ApiResponse({ status: 409, description: `too_many_api_keys: at most ${MAX_LIVE_API_KEYS}` })
  @Post()
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyResponse> {
    // A key made with a key would outlive the revocation of a leaked one: only a person who
    // signed in with the password (a session) makes keys.
    if (user.tokenKind !== 'session') {
      throw apiError(
        403,
        'session_required',
        'API keys are created from a signed-in session (the web page), not with another API key.',
      );
    }
    if ((await this.tokens.liveApiKeysOf(user.id)).length >= MAX_LIVE_API_KEYS) {
      throw apiError(
        409,
        'too_many_api_keys',
        `You have ${MAX_LIVE_API_KEYS} API keys: revoke one you no longer use first.`,
      );
    }
    const { token, record } = await this.tokens.issue(user.id, { name: body.name });
    return { ...ApiKeyResponse.from(record), token };
  }

  @ApiOperation({ summary: 'Revoke one of your API keys, at once on every api' })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiResponse({ status: 404, description: 'No such live key of yours' })
  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<void> {
    // Another user's key, a session, a revoked key and a malformed id all look the same: 404.
    if (!isUUID(id) || !(await this.tokens.revokeApiKeyOf(user.id, id))) {
      throw new NotFoundException({ message: 'No such API key.', code: 'api_key_not_found' });
    }
  }
}
