import { Public } from '@app/auth';
import { HealthService, Readiness } from '@app/observability';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { LivenessResponse, ReadinessResponse } from './health.response';

@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** The process is up and serving (no dependency checks: a restart would not fix them). */
  @ApiOperation({ summary: 'Liveness: the process serves' })
  @ApiOkResponse({ type: LivenessResponse })
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Database and Redis answer; 503 otherwise, so a load balancer stops sending traffic. */
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer' })
  @ApiOkResponse({ type: ReadinessResponse })
  @ApiResponse({ status: 503, description: 'Not ready: a store is down', type: ReadinessResponse })
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const readiness = await this.health.readiness();
    void reply.status(readiness.status === 'ok' ? 200 : 503);
    return readiness;
  }
}
