import type { AppConfig } from '@app/config';
import { Logger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import pino from 'pino';

import { ApiModule } from '../api.module';
import { createOpenApiDocument } from './openapi-document';

/**
 * The api's OpenAPI document without running it: Nest's preview mode reads the modules,
 * controllers and decorators but instantiates nothing, so no database, Redis or port is needed
 * (`npm run openapi:export`, and the e2e suite's response checks).
 */
export async function exportOpenApiDocument(config: AppConfig): Promise<OpenAPIObject> {
  // Nest's `logger` option is process-wide (`Logger.overrideLogger`): silencing this app's start-up
  // lines silences every Nest logger in the process. Put back the one an app already running here
  // (the e2e tests' api) logs through.
  const previous = (Logger as unknown as { staticInstanceRef?: LoggerService }).staticInstanceRef;
  try {
    const app = await NestFactory.create<NestFastifyApplication>(
      ApiModule.forRoot(config, pino({ enabled: false })),
      new FastifyAdapter(),
      { preview: true, logger: false, abortOnError: false },
    );
    return createOpenApiDocument(app, config);
  } finally {
    if (previous) {
      Logger.overrideLogger(previous);
    }
  }
}
