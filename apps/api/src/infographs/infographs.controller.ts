import { CurrentUser } from '@app/auth';
import type { User } from '@app/database';
import {
  CreateInfographsResponse,
  InfographCreationService,
  InfographQueriesService,
  InfographView,
  normaliseAspectRatio,
  toInfographView,
} from '@app/infographs';
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
} from '@nestjs/common';

import { CreateInfographsDto } from './dto/create-infographs.dto';
import { ListInfographsQuery } from './dto/list-infographs.query';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Controller('api/infographs')
export class InfographsController {
  private readonly logger = new Logger(InfographsController.name);

  constructor(
    private readonly creation: InfographCreationService,
    private readonly queries: InfographQueriesService,
    private readonly producer: JobProducer,
  ) {}

  /** Charges, creates `pending` infographs and enqueues their submit jobs; answers at once. */
  @Post('create')
  @HttpCode(201)
  async create(
    @CurrentUser() user: User,
    @Body() body: CreateInfographsDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<CreateInfographsResponse> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    const { response } = await this.creation.create(
      user.id,
      {
        prompt: body.prompt.trim(),
        blogUrl: body.blog_url ?? null,
        aspectRatio: normaliseAspectRatio(body.aspect_ratio ?? '16:9') ?? '16:9',
        resolution: body.resolution ?? '1K',
        count: body.number_of_infographs ?? 1,
      },
      idempotencyKey,
    );
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

  @Get('status/:id')
  async status(@CurrentUser() user: User, @Param('id') id: string): Promise<InfographView> {
    const infograph = UUID.test(id) ? await this.queries.findOwned(user.id, id) : null;
    if (!infograph) {
      throw new NotFoundException(`No infograph ${id} for this account.`);
    }
    return toInfographView(infograph);
  }

  /** The user's history, newest first, `next_cursor` for the following page. */
  @Get()
  async list(
    @CurrentUser() user: User,
    @Query() query: ListInfographsQuery,
  ): Promise<{ items: InfographView[]; next_cursor: string | null }> {
    const page = await this.queries.history(user.id, {
      status: query.status,
      limit: query.limit ?? 20,
      cursor: query.cursor,
    });
    return { items: page.items.map(toInfographView), next_cursor: page.nextCursor };
  }
}
