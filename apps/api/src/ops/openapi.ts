import type { AppConfig } from '@app/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';

import { createOpenApiDocument } from './openapi-document';

/** OpenAPI from the controllers and DTOs: Swagger UI at /docs, the JSON at /docs-json. */
export function setUpOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
  });
}
