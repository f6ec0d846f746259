import { loadConfig } from '@app/config';
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  SchemaObject,
} from '@nestjs/swagger';

import { exportOpenApiDocument } from './openapi-export';

/** The document as clients get it (built without running anything: no database needed). */
describe('the OpenAPI document', () => {
  let document: OpenAPIObject;
  const operations = (): [string, string, OperationObject][] =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]): [string, string, OperationObject] => [
        method,
        path,
        op as OperationObject,
      ]),
    );
  const schema = (name: string) => document.components!.schemas![name] as SchemaObject;
  const property = (name: string, field: string) => schema(name).properties![field] as SchemaObject;

  beforeAll(async () => {
    document = await exportOpenApiDocument(
      loadConfig({ PUBLIC_API_URL: 'https://api.example.com/' }),
    );
  });

  it('names its server from PUBLIC_API_URL', () => {
    expect(document.servers).toEqual([{ url: 'https://api.example.com' }]);
  });

  it('types every answer: a schema for each body, the shared error schema for each error', () => {
    const problems: string[] = [];
    const error = {
      'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } },
    };
    for (const [method, path, op] of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        const content = (response as { content?: Record<string, { schema?: unknown }> }).content;
        const where = `${method} ${path} ${status}`;
        const schema = Object.values(content ?? {})[0]?.schema;
        if (status === '204' ? content !== undefined : schema === undefined) {
          problems.push(`${where}: ${status === '204' ? 'a body' : 'no schema'}`);
        }
        const ownSchema = path === '/health/ready'; // its 503 is the readiness report
        if (
          Number(status) >= 400 &&
          !ownSchema &&
          JSON.stringify(content) !== JSON.stringify(error)
        ) {
          problems.push(`${where}: not the error schema`);
        }
      }
      if (!('500' in op.responses && '503' in op.responses)) {
        problems.push(`${method} ${path}: 500 or 503 missing`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('asks for credentials exactly where the guard does, and documents 401 there', () => {
    const unlocked = operations()
      .filter(([, , op]) => Array.isArray(op.security) && op.security.length === 0)
      .map(([method, path]) => `${method} ${path}`);
    expect(unlocked).toEqual(
      expect.arrayContaining([
        'get /health/live',
        'get /health/ready',
        'get /files/{path}',
        'post /api/auth/signup',
        'post /api/auth/login',
        'get /api/credits/prices',
        'post /api/infographs/webhook/{id}',
        'post /api/payments/stripe/webhook',
      ]),
    );
    expect(unlocked).not.toContain('post /api/infographs/create');
    expect(unlocked).not.toContain('get /api/auth/session');
    const lockedWithout401 = operations()
      .filter(([, , op]) => op.security === undefined && !('401' in op.responses))
      .map(([method, path]) => `${method} ${path}`);
    expect(lockedWithout401).toEqual([]);
    expect(document.security).toEqual([{ token: [] }, { session: [] }]);
  });

  it('documents the webhooks by their signature headers', () => {
    const headers = (path: string) =>
      (document.paths[path].post!.parameters as ParameterObject[])
        .filter((p) => p.in === 'header' && p.required)
        .map((p) => p.name)
        .sort();
    expect(headers('/api/infographs/webhook/{id}')).toEqual([
      'x-fal-webhook-request-id',
      'x-fal-webhook-signature',
      'x-fal-webhook-timestamp',
      'x-fal-webhook-user-id',
    ]);
    expect(headers('/api/payments/stripe/webhook')).toEqual(['stripe-signature']);
  });

  it('lets create go without an Idempotency-Key (one optional header, not a required twin)', () => {
    const create = document.paths['/api/infographs/create'].post!;
    const headers = (create.parameters as ParameterObject[]).filter((p) => p.in === 'header');
    expect(headers.map((p) => [p.name.toLowerCase(), p.required])).toEqual([
      ['idempotency-key', false],
    ]);
  });

  it('types the create body: a nullable URL, a whole count of 1 to 4, and enums', () => {
    expect(property('CreateInfographsDto', 'blog_url')).toMatchObject({
      type: 'string',
      format: 'uri',
      nullable: true,
    });
    expect(property('CreateInfographsDto', 'number_of_infographs')).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 4,
    });
    expect(property('CreateInfographsDto', 'aspect_ratio').enum).toEqual(
      expect.arrayContaining(['16:9', '16/9', 'auto']),
    );
    expect(property('CreateInfographsDto', 'resolution').enum).toEqual(['1K', '2K', '4K']);
    expect(property('InfographResponse', 'error_code').enum).toEqual(
      expect.arrayContaining(['cancelled', 'timed_out', null]),
    );
    expect(property('InfographResponse', 'stage').enum).toEqual(
      expect.arrayContaining(['queued', 'generating', 'uploading', 'completed', 'failed']),
    );
  });

  it('describes the WebSocket messages, with schemas a client can generate', () => {
    const ws = (document as unknown as { 'x-websocket': Record<string, any> })['x-websocket'];
    expect(ws.path).toBe('/api/ws');
    expect(Object.keys(ws.serverMessages)).toEqual([
      'hello',
      'infograph.updated',
      'credits.updated',
      'resync',
      'pong',
    ]);
    expect(schema('InfographUpdatedMessage').properties).toHaveProperty('infograph');
    // Every event carries the id a client resumes from.
    expect(schema('InfographUpdatedMessage').required).toContain('id');
    expect(schema('CreditsUpdatedMessage').required).toContain('id');
    expect(ws.resume).toMatch(/last_event_id/);
    // The same events as Server-Sent Events, resumed by Last-Event-ID.
    const events = document.paths['/api/events'].get as Record<string, any>;
    expect(Object.keys(events.responses['200'].content)).toEqual(['text/event-stream']);
    expect(events.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Last-Event-ID', in: 'header' })]),
    );
    expect(Object.keys(events.responses)).toEqual(expect.arrayContaining(['400', '401', '429']));
    expect(schema('ErrorResponse').required).toEqual(['statusCode', 'error', 'message', 'code']);
    expect(property('ErrorResponse', 'message').type).toBe('string');
  });
});
