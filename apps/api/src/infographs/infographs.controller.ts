import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { PublicUrls } from '@app/config';
import {
  InfographCreationService,
  InfographQueriesService,
  normaliseAspectRatio,
} from '@app/infographs';
import { Metrics } from '@app/observability';
import { JobProducer } from '@app/queues';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Logger,
  NotFoundException,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';

import { isUUID } from 'class-validator';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { CreateRateLimitGuard } from '../http/create-rate-limit.guard';
import { CreateInfographsDto } from './dto/create-infographs.dto';
import { CreateInfographsResponse } from './dto/create-infographs.response';
import { InfographPageResponse } from './dto/infograph-page.response';
import { InfographResponse } from './dto/infograph.response';
import { ListInfographsQuery } from './dto/list-infographs.query';

const CREATE_EXAMPLE = {
  infographs: [
    {
      id: '5b0c4f1e-2f7a-4c1b-9d7e-0e6f3b2a1c9d',
      request_id: null,
      status: 'pending',
      status_url:
        'https://api.example.com/api/infographs/status/5b0c4f1e-2f7a-4c1b-9d7e-0e6f3b2a1c9d/',
    },
  ],
  total_submitted: 1,
  credits_used: 1,
};
const STATUS_EXAMPLE = {
  id: '5b0c4f1e-2f7a-4c1b-9d7e-0e6f3b2a1c9d',
  status: 'completed',
  image_url: 'https://images.example.com/infographs/u/5b0c4f1e.png',
  error_message: null,
  created_at: '2025-11-22T10:30:00Z',
  updated_at: '2025-11-22T10:30:45Z',
};

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
  ) {}

  /** Charges, creates `pending` infographs and enqueues their submit jobs; answers at once. */
  @ApiOperation({ summary: 'Create 1–4 infographs (answers at once, status pending)' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Retry-safe: same key and body replay the first answer',
  })
  @ApiResponse({ status: 201, description: 'Created', schema: { example: CREATE_EXAMPLE } })
  @ApiResponse({ status: 400, description: 'Invalid body: each message names its field' })
  @ApiResponse({ status: 402, description: 'Not enough credits (balance and cost in the message)' })
  @ApiResponse({ status: 409, description: 'Idempotency-Key reused with another body' })
  @ApiResponse({ status: 429, description: 'Rate limited (Retry-After)' })
  @Post('create')
  @HttpCode(201)
  @UseGuards(CreateRateLimitGuard)
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateInfographsDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<CreateInfographsResponse> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    const { response, replayed } = await this.creation.create(
      user.id,
      {
        prompt: body.prompt.trim(),
        blogUrl: body.blog_url ?? null,
        aspectRatio: normaliseAspectRatio(body.aspect_ratio ?? '16:9') ?? '16:9',
        resolution: body.resolution ?? '1K',
        count: body.number_of_infographs ?? 1,
      },
      (created) => CreateInfographsResponse.from(created, this.urls),
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
    return response;
  }

  @ApiOperation({ summary: 'Status of one infograph' })
  @ApiResponse({ status: 200, schema: { example: STATUS_EXAMPLE } })
  @Get('status/:id')
  async status(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
  ): Promise<InfographResponse> {
    const infograph = isUUID(id) ? await this.queries.findOwned(user.id, id) : null;
    if (!infograph) {
      throw new NotFoundException(`No infograph ${id} for this account.`);
    }
    return InfographResponse.from(infograph);
  }

  /** The user's history, newest first, `next_cursor` for the following page. */
  @ApiOperation({ summary: "The user's infographs, newest first, cursor-paginated" })
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
