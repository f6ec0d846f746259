import type { OpenAPIObject } from '@nestjs/swagger';

import { ReceivedResponse, ResponseContract } from './openapi-contract';

const json = (ref: string) => ({ 'application/json': { schema: { $ref: ref } } });
const ERROR = json('#/components/schemas/ErrorResponse');

/** A small document in the api's shapes: a status, a wildcard file route, the error schema. */
const DOCUMENT = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/api/things/{id}': {
      get: {
        responses: {
          '200': { description: 'ok', content: json('#/components/schemas/Thing') },
          '404': { description: 'no', content: ERROR },
        },
      },
      delete: { responses: { '204': { description: 'gone' } } },
    },
    '/api/things/special': {
      get: { responses: { '200': { description: 'ok', content: ERROR } } },
    },
    '/files/{path}': {
      get: {
        responses: {
          '200': {
            description: 'bytes',
            content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' },
          size: { type: 'integer', minimum: 1 },
          url: { type: 'string', format: 'uri', nullable: true },
          state: { type: 'string', enum: ['a', 'b', null], nullable: true },
        },
        required: ['id', 'size', 'url'],
      },
      ErrorResponse: {
        type: 'object',
        properties: { statusCode: { type: 'integer' }, message: { type: 'string' } },
        required: ['statusCode', 'message'],
      },
    },
  },
} as unknown as OpenAPIObject;

const ID = '5b0c4f1e-2f7a-4c1b-9d7e-0e6f3b2a1c9d';
const thing = { id: ID, size: 2, url: null, state: null };

describe('ResponseContract', () => {
  const contract = new ResponseContract(DOCUMENT);
  const check = (r: Partial<ReceivedResponse>) =>
    contract.problems({
      method: 'GET',
      path: `/api/things/${ID}/`,
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: thing,
      ...r,
    });

  it('accepts a response its operation documents, trailing slash and query included', () => {
    expect(check({})).toEqual([]);
    expect(check({ path: `/api/things/${ID}?x=1` })).toEqual([]);
    expect(check({ method: 'DELETE', status: 204, body: undefined })).toEqual([]);
  });

  it('refuses a status the operation does not document', () => {
    expect(check({ status: 409, body: { statusCode: 409, message: 'x' } })).toEqual([
      'GET /api/things/{id} answered 409, which it does not document (it documents 200, 404)',
    ]);
  });

  it('refuses a body that does not match: wrong types, nulls not allowed, missing fields', () => {
    expect(check({ body: { ...thing, size: 1.5 } })).toEqual([
      'GET /api/things/{id} 200: body/size must be integer',
    ]);
    expect(check({ body: { id: ID, size: 1, url: 'not a url' } })).toEqual([
      'GET /api/things/{id} 200: body/url must match format "uri"',
    ]);
    expect(check({ body: { id: ID, url: null } })).toEqual([
      "GET /api/things/{id} 200: body must have required property 'size'",
    ]);
    expect(check({ body: { error: ['an array'] }, status: 404 })).toHaveLength(3);
  });

  it('refuses a field the document does not list (a generated client would not know it)', () => {
    expect(check({ body: { ...thing, secret: 1 } })).toEqual([
      'GET /api/things/{id} 200: body must NOT have additional properties (secret)',
    ]);
  });

  it('refuses a body where none is documented, and an undocumented content type', () => {
    expect(check({ method: 'DELETE', status: 204, body: 'surprise' })).toEqual([
      'DELETE /api/things/{id} 204 documents no body, but one came',
    ]);
    expect(check({ contentType: 'text/html' })).toEqual([
      'GET /api/things/{id} 200 came as text/html, documented: application/json',
    ]);
  });

  it('prefers a literal path segment to a placeholder, and lets {path} hold slashes', () => {
    expect(contract.routeOf('GET', '/api/things/special/')?.template).toBe('/api/things/special');
    expect(contract.routeOf('GET', '/api/things/x/y')).toBeUndefined();
    expect(contract.routeOf('GET', '/files/infographs/u/1.png')?.template).toBe('/files/{path}');
    expect(
      check({ path: '/files/infographs/u/1.png', contentType: 'image/png', body: '\u0089PNG' }),
    ).toEqual([]);
  });

  it('refuses a request no operation answers, unless it is the error schema’s 404', () => {
    expect(check({ path: '/api/nothing', status: 200 })).toEqual([
      'no operation in the document for GET /api/nothing',
    ]);
    expect(
      check({ path: '/api/nothing', status: 404, body: { statusCode: 404, message: 'No.' } }),
    ).toEqual([]);
    expect(check({ path: '/api/nothing', status: 404, body: { message: ['No.'] } })).not.toEqual(
      [],
    );
  });
});
