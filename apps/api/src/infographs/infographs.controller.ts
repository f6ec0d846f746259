import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { PublicUrls } from '@app/config';
import {
  type CreateInfographsCommand,
  InfographCreationService,
  InfographQueriesService,
  normaliseAspectRatio,
} from '@app/infographs';
import { Metrics } from '@app/observability';
import { JobProducer } from '@app/queues';
import {
  BadRequestException,
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpException,
  Logger,
  NotFoundException,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';

import { isUUID } from 'class-validator';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { StorageError } from '@app/storage';

import { CreateRateLimitGuard } from '../http/create-rate-limit.guard';
import { CreateInfographsDto } from './dto/create-infographs.dto';
import { CreateInfographsResponse } from './dto/create-infographs.response';
import { InfographPageResponse } from './dto/infograph-page.response';
import { InfographResponse, InfographStatusResponse } from './dto/infograph.response';
import { ProgressEstimates } from './progress-estimate';
import { ListInfographsQuery } from './dto/list-infographs.query';
import { RegenerateInfographsDto } from './dto/regenerate-infographs.dto';
import { InfographLifecycle } from './infograph-lifecycle.service';
import { CreditsLowAlert } from '../webhook-endpoints/credits-low-alert';

/** Optional, so a plain create (and Swagger's "Try it out") needs none. */
const IDEMPOTENCY_KEY = {
  // Lower case: the name `@Headers('idempotency-key')` documents, which this replaces.
  name: 'idempotency-key',
  required: false,
  description:
    'Idempotency-Key: retry-safe creates. The same key and body replay the first answer (nothing charged again), another body is 409; per user, 1–255 visible ASCII characters',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

/** What every charged create answers (create and regenerate): one place, so both stay alike. */
const ChargedCreateResponses = () =>
  applyDecorators(
    ApiHeader(IDEMPOTENCY_KEY),
    ApiCreatedResponse({
      description: 'Created, charged and queued',
      type: CreateInfographsResponse,
    }),
    ApiResponse({ status: 400, description: 'validation_failed: `details` names each field' }),
    ApiResponse({
      status: 402,
      description: 'insufficient_credits (balance and cost in the message): nothing was created',
    }),
    ApiResponse({ status: 409, description: 'idempotency_key_reused: with another body' }),
    ApiResponse({ status: 429, description: 'Rate limited (Retry-After)' }),
  );

@ApiTags('infographs')
@Controller('api/infographs')
export class InfographsController {
  private readonly logger = new Logger(InfographsController.name);

  constructor(
    private readonly creation: InfographCreationService,
    private readonly queries: InfographQueriesService,
    private readonly producer: JobProducer,
    private readonly metrics: Metrics,
    private readonly urls: PublicUrls,
    private readonly lifecycle: InfographLifecycle,
    private readonly creditsLow: CreditsLowAlert,
    private readonly estimates: ProgressEstimates,
  ) {}

  /** Charges, creates `pending` infographs and enqueues their submit jobs; answers at once. */
  @ApiOperation({ summary: 'Create 1–4 infographs (answers at once, status pending)' })
  @ChargedCreateResponses()
  @Post('create')
  @HttpCode(201)
  @UseGuards(CreateRateLimitGuard)
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateInfographsDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<CreateInfographsResponse> {
    return this.charged(
      user,
      {
        prompt: body.prompt.trim(),
        blogUrl: body.blog_url ?? null,
        aspectRatio: normaliseAspectRatio(body.aspect_ratio ?? '16:9') ?? '16:9',
        resolution: body.resolution ?? '1K',
        count: body.number_of_infographs ?? 1,
      },
      idempotencyKey,
    );
  }

  /**
   * "Try again" and "variations": a normal charged create from an existing infograph's prompt and
   * settings (any state, a failed one included), each field overridable; the count defaults to 1.
   */
  @ApiOperation({
    summary:
      'Create 1–4 new infographs from one of yours: its prompt and settings, each overridable',
  })
  @ChargedCreateResponses()
  @ApiResponse({ status: 404, description: 'No such infograph for this account' })
  @Post(':id/regenerate')
  @HttpCode(201)
  @UseGuards(CreateRateLimitGuard)
  async regenerate(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: RegenerateInfographsDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<CreateInfographsResponse> {
    const source = isUUID(id) ? await this.queries.findOwned(user.id, id) : null;
    if (!source) {
      throw new NotFoundException(`No infograph ${id} for this account.`);
    }
    return this.charged(
      user,
      {
        prompt: body.prompt?.trim() ?? source.prompt,
        blogUrl: body.blog_url === undefined ? source.blogUrl : body.blog_url,
        aspectRatio: body.aspect_ratio
          ? (normaliseAspectRatio(body.aspect_ratio) ?? source.aspectRatio)
          : source.aspectRatio,
        resolution: body.resolution ?? source.resolution,
        count: body.number_of_infographs ?? 1,
      },
      idempotencyKey,
    );
  }

  /** Charges and creates (replaying a keyed retry), then enqueues the submits; answers at once. */
  private async charged(
    user: AuthenticatedUser,
    command: CreateInfographsCommand,
    idempotencyKey: string | undefined,
  ): Promise<CreateInfographsResponse> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    let balanceAfter = 0;
    const { response, replayed } = await this.creation.create(
      user.id,
      command,
      (created) => {
        balanceAfter = created.balanceAfter;
        return CreateInfographsResponse.from(created, this.urls);
      },
      idempotencyKey,
    );
    if (!replayed) {
      this.metrics.infographsCreated.inc(response.total_submitted);
    }
    // After commit: the rows are the truth. If Redis fails here, the reconciler enqueues them later;
    // a replayed request enqueues again, which the deterministic job ids make harmless.
    try {
      await this.producer.enqueue(
        'submit',
        response.infographs.map((i) => ({ infographId: i.id })),
      );
    } catch (error) {
      this.logger.warn(
        `submit jobs not enqueued, the reconciler will: ${(error as Error).message}`,
      );
    }
    if (!replayed) {
      const first = response.infographs[0].id;
      await this.creditsLow.afterCharge(user.id, response.credits_used, balanceAfter, first);
    }
    return response;
  }

  @ApiOperation({ summary: 'Status of one infograph' })
  @ApiOkResponse({ type: InfographStatusResponse })
  @ApiResponse({ status: 404, description: 'No such infograph for this account' })
  @Get('status/:id')
  async status(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
  ): Promise<InfographStatusResponse> {
    const infograph = isUUID(id) ? await this.queries.findOwned(user.id, id) : null;
    if (!infograph) {
      throw new NotFoundException(`No infograph ${id} for this account.`);
    }
    return { ...InfographResponse.from(infograph), ...(await this.estimates.of(infograph)) };
  }

  /**
   * Cancels an unfinished infograph: failed with `error_code` `cancelled` and refunded at once (a
   * processing one is also cancelled at fal, and whatever fal still makes is ignored). One that
   * finished first (completed, failed) is left as it is: 409 with its status.
   */
  @ApiOperation({ summary: 'Cancel an unfinished infograph (refunded at once)' })
  @ApiOkResponse({
    description: 'Cancelled: status failed, error_code cancelled, credits refunded',
    type: InfographResponse,
  })
  @ApiResponse({ status: 404, description: 'No such infograph for this account' })
  @ApiResponse({
    status: 409,
    description: 'infograph_finished: it completed or failed first; `infograph_status` says which',
  })
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
  ): Promise<InfographResponse> {
    const result = isUUID(id) ? await this.lifecycle.cancel(user.id, id) : null;
    if (!result) {
      throw new NotFoundException(`No infograph ${id} for this account.`);
    }
    if (result.outcome === 'already_finished') {
      throw new HttpException(
        {
          message: `This infograph is already ${result.infograph.status}; only a pending or processing one can be cancelled.`,
          code: 'infograph_finished',
          infograph_status: result.infograph.status,
        },
        409,
      );
    }
    return InfographResponse.from(result.infograph);
  }

  /**
   * Deletes an infograph and its stored image; an unfinished one is cancelled (and refunded)
   * first. Afterwards it is 404 everywhere, a second delete included.
   */
  @ApiOperation({
    summary: 'Delete an infograph and its image (cancelled and refunded first if unfinished)',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiResponse({
    status: 404,
    description: 'No such infograph for this account (or already deleted)',
  })
  @ApiResponse({ status: 503, description: 'Storage unavailable: nothing was deleted, retry' })
  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<void> {
    let deleted: boolean;
    try {
      deleted = isUUID(id) && (await this.lifecycle.delete(user.id, id));
    } catch (error) {
      if (error instanceof StorageError) {
        this.logger.warn(`infographId=${id} not deleted, storage failed: ${error.message}`);
        throw new ServiceUnavailableException({
          message:
            'The image could not be removed from storage right now; nothing was deleted, try again.',
          code: 'storage_unavailable',
        });
      }
      throw error;
    }
    if (!deleted) {
      throw new NotFoundException(`No infograph ${id} for this account.`);
    }
  }

  /** The user's history, newest first, `next_cursor` for the following page. */
  @ApiOperation({ summary: "The user's infographs, newest first, cursor-paginated" })
  @ApiOkResponse({ type: InfographPageResponse })
  @ApiResponse({ status: 400, description: 'validation_failed, or invalid_cursor' })
  @Get()
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListInfographsQuery,
  ): Promise<InfographPageResponse> {
    const page = await this.queries.history(user.id, {
      status: query.status,
      limit: query.limit ?? 20,
      cursor: query.cursor,
    });
    return InfographPageResponse.from(page);
  }
}
