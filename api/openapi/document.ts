/**
 * Builds the OpenAPI 3.1 document from the operation table. Request schemas
 * come from the zod schemas the handlers validate with, converted to JSON
 * Schema 2020-12, which is the dialect OpenAPI 3.1 uses.
 */
import { z } from 'zod';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../repositories/cursor.js';
import { MAX_BODY_BYTES } from '../errors.js';
import { graphSchemas } from './graph-schema.js';
import type { JsonSchema } from './graph-schema.js';
import { OPERATIONS, PATH_PARAMETERS } from './operations.js';
import type { HttpMethod, Operation } from './operations.js';
import { componentSchemas, errorResponse, stepConfigPlaceholder } from './response-schemas.js';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiOperation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  parameters: OpenApiParameter[];
  requestBody?: { required: true; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, JsonSchema>;
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string }>;
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
  security: Array<Record<string, string[]>>;
}

const SCHEMA_PREFIX = '#/components/schemas/';

/** Error responses by status code, each a component under `components.responses`. */
const ERROR_RESPONSES: Record<string, { name: string; description: string }> = {
  '400': { name: 'BadRequest', description: 'The body is not valid JSON (`validation_error`)' },
  '401': { name: 'Unauthorized', description: 'No API key was sent (`missing_api_key`)' },
  '403': { name: 'Forbidden', description: 'The API key is unknown or revoked (`invalid_api_key`)' },
  '404': { name: 'NotFound', description: 'A resource named in the path does not exist (`not_found`)' },
  '413': { name: 'PayloadTooLarge', description: `The body is larger than ${MAX_BODY_BYTES} bytes` },
  '422': {
    name: 'UnprocessableEntity',
    description: 'A field, parameter or graph is invalid (`validation_error`, `missing_required_field`, `invalid_parameter`)',
  },
  '429': { name: 'TooManyRequests', description: 'The API key exceeded its rate limit (`rate_limit_exceeded`)' },
  '500': { name: 'InternalServerError', description: 'The server failed (`internal_server_error`)' },
  '503': { name: 'ServiceUnavailable', description: 'The workflow engine could not be reached; retry (`application_error`)' },
};

/** Operations that signal or start workflows, which respond with 503 when Temporal is unreachable. */
const ENGINE_OPERATIONS = new Set(['sendEvent', 'stopAutomation', 'deleteAutomation', 'cancelAutomationRun']);

/** Converts a Hono path such as `/automations/:id` to the OpenAPI form `/automations/{id}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function withoutDialectKeywords(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** Describes the step config placeholder as an object and refers the reader to the Step schema. */
function describeStepConfig(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  if (ctx.zodSchema !== stepConfigPlaceholder) return;
  ctx.jsonSchema.type = 'object';
  ctx.jsonSchema.description = "The step's config, in the form that the Step schema gives for the step's type";
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return withoutDialectKeywords(
    z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', override: describeStepConfig }) as JsonSchema,
  );
}

/** Points the `steps` and `connections` items of an automation body at the graph schemas. */
function linkGraphSchemas(body: JsonSchema): JsonSchema {
  const properties = body.properties as Record<string, JsonSchema> | undefined;
  if (properties?.steps === undefined || properties.connections === undefined) return body;
  return {
    ...body,
    properties: {
      ...properties,
      steps: { ...properties.steps, items: { $ref: `${SCHEMA_PREFIX}Step` } },
      connections: { ...properties.connections, items: { $ref: `${SCHEMA_PREFIX}Connection` } },
    },
  };
}

function responseSchema(schema: z.ZodType): JsonSchema {
  const name = componentSchemas.get(schema)?.id;
  return name === undefined ? toJsonSchema(schema, 'output') : { $ref: `${SCHEMA_PREFIX}${name}` };
}

function pathParameters(path: string): OpenApiParameter[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => {
    const known = PATH_PARAMETERS[name!];
    if (!known) throw new Error(`path parameter "${name}" of ${path} has no entry in PATH_PARAMETERS`);
    const schema: JsonSchema = known.format === undefined ? { type: 'string' } : { type: 'string', format: known.format };
    return { name: name!, in: 'path', required: true, description: known.description, schema };
  });
}

/** Descriptions of the paging parameters, which the shared paging schema does not carry. */
const PAGING_DESCRIPTIONS: Record<string, string> = {
  limit: `Number of items per page, from 1 to ${MAX_PAGE_LIMIT}; default ${DEFAULT_PAGE_LIMIT}`,
  after: 'Id of an item: returns the page of items older than it',
  before: 'Id of an item: returns the page of items newer than it; excludes `after`',
};

function queryParameters(query: z.ZodType): OpenApiParameter[] {
  const schema = toJsonSchema(query, 'input');
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    const parameter: OpenApiParameter = { name, in: 'query', required: required.has(name), schema: rest };
    const text = typeof description === 'string' ? description : PAGING_DESCRIPTIONS[name];
    if (text !== undefined) parameter.description = text;
    return parameter;
  });
}

function errorStatuses(operation: Operation): string[] {
  if (operation.errorStatuses !== undefined) return operation.errorStatuses;
  const statuses: string[] = [];
  const hasPathParameters = operation.path.includes(':');
  if (operation.body) statuses.push('400');
  if (operation.authenticated !== false) statuses.push('401', '403');
  if (hasPathParameters) statuses.push('404');
  if (operation.body) statuses.push('413');
  if (operation.body || operation.query || hasPathParameters || operation.method === 'post') statuses.push('422');
  if (operation.authenticated !== false) statuses.push('429');
  statuses.push('500');
  if (ENGINE_OPERATIONS.has(operation.operationId)) statuses.push('503');
  return statuses;
}

function buildOperation(operation: Operation): OpenApiOperation {
  const parameters = [
    ...pathParameters(operation.path),
    ...(operation.query ? queryParameters(operation.query) : []),
    ...(operation.headers ?? []).map((header): OpenApiParameter => ({
      name: header.name,
      in: 'header',
      required: false,
      description: header.description,
      schema: { type: 'string' },
    })),
  ];

  const contentType = operation.success.contentType ?? 'application/json';
  const success = {
    description: operation.success.description,
    content: { [contentType]: { schema: responseSchema(operation.success.schema) } },
  };
  const responses: Record<string, JsonSchema> = { [String(operation.success.status)]: success };
  if (operation.alsoStatus !== undefined) responses[String(operation.alsoStatus)] = success;
  for (const status of errorStatuses(operation)) {
    responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` };
  }

  const built: OpenApiOperation = {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    parameters,
    responses,
  };
  if (operation.description !== undefined) built.description = operation.description;
  if (operation.body) {
    const schema = linkGraphSchemas(toJsonSchema(operation.body, 'input'));
    built.requestBody = { required: true, content: { [operation.bodyContentType ?? 'application/json']: { schema } } };
  }
  if (operation.authenticated === false) built.security = [];
  return built;
}

function buildComponentSchemas(): Record<string, JsonSchema> {
  const converted = z.toJSONSchema(componentSchemas, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `${SCHEMA_PREFIX}${id}`,
    override: describeStepConfig,
  }) as { schemas: Record<string, JsonSchema> };

  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(converted.schemas)) schemas[name] = withoutDialectKeywords(schema);
  return { ...schemas, ...graphSchemas };
}

/** Builds the OpenAPI document; `serverUrl` is the API's public base URL. */
export function buildOpenApiDocument(options: { serverUrl: string }): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const tags: string[] = [];
  for (const operation of OPERATIONS) {
    const path = toOpenApiPath(operation.path);
    paths[path] ??= {};
    paths[path][operation.method] = buildOperation(operation);
    if (!tags.includes(operation.tag)) tags.push(operation.tag);
  }

  const errorSchema = { $ref: `${SCHEMA_PREFIX}${componentSchemas.get(errorResponse)!.id}` };
  const responses: Record<string, JsonSchema> = {};
  for (const { name, description } of Object.values(ERROR_RESPONSES)) {
    responses[name] = { description, content: { 'application/json': { schema: errorSchema } } };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Automations engine API',
      version: '1',
      description:
        "A self-hosted email Automations engine, wire-compatible with Resend's Automations API. " +
        'Send the API key as `Authorization: Bearer <key>`. Errors have the form `{ name, statusCode, message }`.',
    },
    servers: [{ url: options.serverUrl }],
    tags: tags.map((name) => ({ name })),
    paths,
    components: {
      schemas: buildComponentSchemas(),
      responses,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key, created with `npm run create-api-key`' } },
    },
    security: [{ bearerAuth: [] }],
  };
}
