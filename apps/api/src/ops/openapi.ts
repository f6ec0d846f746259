import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI from the controllers and DTOs: Swagger UI at /docs, the JSON at /docs-json. */
export function setUpOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('ainfographic')
    .setDescription(
      'Create AI infographics without waiting on the model: create answers at once, then follow the status, ' +
        'the history or the /api/ws WebSocket. Authenticate with `Authorization: Token <api key>`, ' +
        'or with the session cookie of POST /api/auth/login/ (then send its csrf_token as X-CSRF-Token ' +
        'on every POST, PUT, PATCH and DELETE).',
    )
    .setVersion('1')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Token <api token>' },
      'token',
    )
    .addSecurityRequirements('token')
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
  });
}
