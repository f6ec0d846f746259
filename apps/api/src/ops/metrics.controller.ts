import { Public } from '@app/auth';
import { AppConfig } from '@app/config';
import { Metrics, metricsAuthorized } from '@app/observability';
import { Controller, Get, Headers, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

/** Prometheus scrape endpoint; optionally behind `Authorization: Bearer <METRICS_TOKEN>`. */
@Public()
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!metricsAuthorized(this.config.metrics.token, authorization)) {
      throw new UnauthorizedException('Send Authorization: Bearer <METRICS_TOKEN>.');
    }
    await reply
      .header('content-type', this.metrics.registry.contentType)
      .send(await this.metrics.registry.metrics());
  }
}
