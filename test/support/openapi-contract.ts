import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** A response as the tests' request helpers received it. */
export interface ReceivedResponse {
  method: string;
  /** As requested: trailing slash and query string included. */
  path: string;
  status: number;
  contentType: string | null;
  /** Parsed JSON, the text when it was not JSON, undefined when empty. */
  body: unknown;
}

interface Route {
  method: string;
  template: string;
  segments: string[];
  operation: OperationObject;
}

const ERROR_RESPONSE = '#/components/schemas/ErrorResponse';
const SCHEMAS_ID = 'openapi';

/**
 * Checks real responses against an OpenAPI document: the operation is found by method and path
 * template, its status must be documented, and its body must match that status's schema. Objects
 * are closed for the check (a field the document does not list is a mismatch): a client generated
 * from the document would never see it.
 */
export class ResponseContract {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();
  /** The WebSocket's messages by `type` (the document's `x-websocket` extension). */
  private readonly socketMessages: Record<string, object>;

  constructor(document: OpenAPIObject) {
    this.socketMessages =
      (document as { 'x-websocket'?: { serverMessages?: Record<string, object> } })['x-websocket']
        ?.serverMessages ?? {};
    addFormats(this.ajv);
    // Files are bytes; nothing to check in them beyond their content type.
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema(
      { components: { schemas: closeObjects(document.components?.schemas ?? {}) } },
      SCHEMAS_ID,
    );
    this.routes = Object.entries(document.paths).flatMap(([template, item]) =>
      (['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const).flatMap((method) => {
        const operation = item[method];
        return operation ? [{ method, template, segments: segmentsOf(template), operation }] : [];
      }),
    );
  }

  /** What is wrong with a response, as sentences; empty when the document describes it. */
  problems(response: ReceivedResponse): string[] {
    const route = this.routeOf(response.method, response.path);
    if (!route) {
      // No route answers with Fastify's 404 (or 405) through our error filter: the error schema.
      return response.status === 404 || response.status === 405
        ? this.bodyProblems(ERROR_RESPONSE, response.body, 'an unrouted request')
        : [
            `no operation in the document for ${response.method.toUpperCase()} ${stripQuery(response.path)}`,
          ];
    }
    const where = `${route.method.toUpperCase()} ${route.template}`;
    const responses = route.operation.responses;
    const documented = (responses[String(response.status)] ??
      responses[`${String(response.status)[0]}XX`] ??
      responses.default) as ResponseObject | undefined;
    if (!documented) {
      return [
        `${where} answered ${response.status}, which it does not document (it documents ${Object.keys(responses).join(', ')})`,
      ];
    }
    const content = documented.content ?? {};
    const types = Object.keys(content);
    const empty = response.body === undefined || response.body === '';
    if (types.length === 0) {
      return empty ? [] : [`${where} ${response.status} documents no body, but one came`];
    }
    const type = (response.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (!types.includes(type)) {
      return [
        `${where} ${response.status} came as ${type || 'no content type'}, documented: ${types.join(', ')}`,
      ];
    }
    if (type !== 'application/json') {
      return [];
    }
    const schema = content[type].schema;
    if (!schema) {
      return [];
    }
    return this.bodyProblems(schema, response.body, `${where} ${response.status}`);
  }

  /** What is wrong with a message `/api/ws` sent: its `type` must be documented, and its shape. */
  socketMessageProblems(message: unknown): string[] {
    const type = (message as { type?: unknown } | null)?.type;
    const schema = typeof type === 'string' ? this.socketMessages[type] : undefined;
    return schema
      ? this.bodyProblems(schema, message, `WebSocket message ${String(type)}`)
      : [`WebSocket message of undocumented type ${JSON.stringify(type)}`];
  }

  /** What is wrong with an error body outside any operation (a refused WebSocket upgrade). */
  errorProblems(body: unknown, where: string): string[] {
    return this.bodyProblems(ERROR_RESPONSE, body, where);
  }

  /** The operation a request reached, the one with the most literal segments when several fit. */
  routeOf(method: string, path: string): Route | undefined {
    const segments = segmentsOf(stripQuery(path));
    const fits = this.routes.filter(
      (r) => r.method === method.toLowerCase() && matches(r.segments, segments),
    );
    return fits.sort((a, b) => literals(b) - literals(a))[0];
  }

  private bodyProblems(schema: object | string, body: unknown, where: string): string[] {
    const validate = this.validatorOf(schema);
    if (validate(body)) {
      return [];
    }
    return (validate.errors ?? []).map(
      (e) =>
        `${where}: body${e.instancePath} ${e.message ?? 'is invalid'}${
          e.keyword === 'additionalProperties'
            ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
            : ''
        }`,
    );
  }

  private validatorOf(schema: object | string): ValidateFunction {
    const key = typeof schema === 'string' ? schema : JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      const wrapped = typeof schema === 'string' ? { $ref: schema } : schema;
      // Component references point into the schemas registered above.
      validate = this.ajv.compile(
        JSON.parse(
          JSON.stringify(wrapped).replaceAll('"#/components/', `"${SCHEMAS_ID}#/components/`),
        ) as object,
      );
      this.validators.set(key, validate);
    }
    return validate;
  }
}

function stripQuery(path: string): string {
  return path.split(/[?#]/)[0];
}

/** Path segments; the api ignores trailing slashes, so `/a/b/` is `/a/b`. */
function segmentsOf(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

const isPlaceholder = (segment: string): boolean => /^\{[^}]+\}$/.test(segment);

const literals = (route: Route): number => route.segments.filter((s) => !isPlaceholder(s)).length;

/**
 * Whether a path fits a template: literal segments equal, a placeholder any one segment, and a
 * last `{path}` the rest of the path (the document's name for Fastify's wildcard, `/files/*`).
 */
function matches(template: string[], path: string[]): boolean {
  const rest = template[template.length - 1] === '{path}';
  if (path.length < template.length || (path.length > template.length && !rest)) {
    return false;
  }
  return template.every((segment, i) => isPlaceholder(segment) || segment === path[i]);
}

/** Every object schema that lists its properties, closed to others unless it says otherwise. */
function closeObjects<T>(schema: T): T {
  if (Array.isArray(schema)) {
    return schema.map((item: unknown) => closeObjects(item)) as T;
  }
  if (typeof schema !== 'object' || schema === null) {
    return schema;
  }
  const copy = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, closeObjects(value)]),
  ) as Record<string, unknown>;
  if (copy.properties !== undefined && copy.additionalProperties === undefined) {
    copy.additionalProperties = false;
  }
  return copy as T;
}
