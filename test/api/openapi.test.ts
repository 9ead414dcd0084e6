import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import { toOpenApiPath } from '../../api/openapi/document.js';
import type { OpenApiDocument } from '../../api/openapi/document.js';
import { createApiFixture, makeRunState } from './fixture.js';
import type { ApiFixture } from './fixture.js';

const EXAMPLES_DIR = new URL('../../examples/', import.meta.url).pathname;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let api: ApiFixture;
let document: OpenApiDocument;
let ajv: Ajv2020;

beforeAll(async () => {
  api = await createApiFixture();
  const response = await api.app.request('/openapi.json');
  document = (await response.json()) as OpenApiDocument;

  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('uuid', UUID_PATTERN);
  ajv.addSchema(document as unknown as object, 'openapi');
});
afterAll(async () => {
  await api.close();
});

/** Escapes one JSON Pointer segment (RFC 6901). */
function pointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function validatorAt(...segments: string[]): ValidateFunction {
  return ajv.compile({ $ref: `openapi#/${segments.map(pointer).join('/')}` });
}

function requestBodyValidator(method: string, path: string): ValidateFunction {
  return validatorAt('paths', path, method, 'requestBody', 'content', 'application/json', 'schema');
}

function successValidator(method: string, path: string, status: string): ValidateFunction {
  return validatorAt('paths', path, method, 'responses', status, 'content', 'application/json', 'schema');
}

/** Collects every `$ref` value in a JSON value. */
function collectRefs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push(item);
      else collectRefs(item, found);
    }
  }
  return found;
}

describe('OpenAPI document', () => {
  it('lists every route the app registers', () => {
    const routes = api.app.routes.filter((route) => route.method !== 'ALL');
    expect(routes.length).toBeGreaterThan(50);
    for (const route of routes) {
      const operations = document.paths[toOpenApiPath(route.path)];
      expect(operations, `path ${route.path}`).toBeDefined();
      expect(operations![route.method.toLowerCase() as 'get'], `${route.method} ${route.path}`).toBeDefined();
    }
  });

  it('documents only routes the app registers', () => {
    const registered = new Set(api.app.routes.map((route) => `${route.method.toLowerCase()} ${toOpenApiPath(route.path)}`));
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        expect(registered.has(`${method} ${path}`), `${method} ${path}`).toBe(true);
      }
    }
  });

  it('has the OpenAPI 3.1 structure', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toEqual(expect.any(String));
    expect(document.info.version).toEqual(expect.any(String));
    expect(Object.keys(document.paths).length).toBeGreaterThan(20);
    expect(document.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.components.schemas.Error).toBeDefined();
  });

  it('resolves every reference', () => {
    for (const ref of collectRefs(document)) {
      const match = /^#\/components\/(schemas|responses)\/(.+)$/.exec(ref);
      expect(match, ref).not.toBeNull();
      const section = document.components[match![1] as 'schemas' | 'responses'];
      expect(section[match![2]!], ref).toBeDefined();
    }
  });

  it('gives each operation a unique id, responses and its path parameters', () => {
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      const templateNames = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method} ${path}`;
        expect(ids.has(operation.operationId), `${where} repeats ${operation.operationId}`).toBe(false);
        ids.add(operation.operationId);
        expect(Object.keys(operation.responses).some((status) => status.startsWith('2')), where).toBe(true);
        const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
        expect(pathParameters, where).toEqual(templateNames);
      }
    }
  });

  it('marks only the documentation and unsubscribe routes as public', () => {
    const publicOperations: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (operation.security?.length === 0) publicOperations.push(`${method} ${path}`);
      }
    }
    expect(publicOperations.sort()).toEqual(['get /docs', 'get /openapi.json', 'get /unsubscribe/{token}', 'post /unsubscribe/{token}']);
  });

  it('documents the query parameters of the metrics endpoint', () => {
    const parameters = document.paths['/automations/{id}/metrics']!.get!.parameters;
    expect(parameters.map((parameter) => `${parameter.in}:${parameter.name}`)).toEqual(['path:id', 'query:from', 'query:to']);
  });
});

describe('documentation endpoints', () => {
  it('serve the document without an API key', async () => {
    const response = await api.app.request('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
  });

  it('serve an HTML page of every operation without an API key', async () => {
    const response = await api.app.request('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)[a-z]/i);
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const operation of Object.values(operations)) {
        expect(html, path).toContain(`id="${operation.operationId}"`);
      }
    }
  });

  it('still require an API key elsewhere', async () => {
    const response = await api.request('GET', '/automations', undefined, { Authorization: '' });
    expect(response.status).toBe(401);
  });
});

/** Creates the example templates and returns their ids by alias. */
async function createExampleTemplates(): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const file of await readdir(join(EXAMPLES_DIR, 'templates'))) {
    const body = JSON.parse(await readFile(join(EXAMPLES_DIR, 'templates', file), 'utf8')) as { alias: string };
    const created = await api.request('POST', '/templates', { ...body, alias: `${body.alias}-${uuidv7().slice(-8)}` });
    expect(created.status, file).toBe(201);
    ids[body.alias] = created.body.id;
  }
  return ids;
}

/** Reads the example automations with template aliases and segment names replaced by ids. */
async function exampleAutomationBodies(templateIds: Record<string, string>, segmentId: string) {
  const bodies: Array<{ name: string; body: Record<string, unknown> }> = [];
  for (const file of await readdir(join(EXAMPLES_DIR, 'automations'))) {
    const text = await readFile(join(EXAMPLES_DIR, 'automations', file), 'utf8');
    const body = JSON.parse(text) as { steps: Array<{ type: string; config: Record<string, unknown> }> };
    for (const step of body.steps) {
      const template = step.config.template as { id: string } | undefined;
      if (step.type === 'send_email' && template) template.id = templateIds[template.id]!;
      if (step.type === 'add_to_segment') step.config.segment_id = segmentId;
    }
    bodies.push({ name: file, body: { ...body, status: 'disabled' } });
  }
  return bodies;
}

describe('POST /automations request schema', () => {
  it('accepts the bodies the validator accepts', async () => {
    const templateIds = await createExampleTemplates();
    const segment = await api.request('POST', '/segments', { name: `Schema ${uuidv7()}` });
    const templateId = Object.values(templateIds)[0]!;
    const everyStepType = {
      name: 'Every step type',
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'order.paid' } },
        { key: 'wait', type: 'delay', config: { duration: '15m' } },
        {
          key: 'check',
          type: 'condition',
          config: {
            type: 'and',
            rules: [
              { type: 'rule', field: 'event.amount', operator: 'gte', value: 10 },
              { type: 'or', rules: [{ type: 'rule', field: 'contact.first_name', operator: 'exists' }] },
            ],
          },
        },
        {
          key: 'reply',
          type: 'wait_for_event',
          config: { event_name: 'order.reviewed', timeout: '3 days', filter_rule: { type: 'rule', field: 'event.stars', operator: 'gt', value: 3 } },
        },
        {
          key: 'thanks',
          type: 'send_email',
          config: { template: { id: templateId, variables: { PRODUCT: { var: 'event.product' } } }, subject: 'Thanks', reply_to: ['help@example.com'] },
        },
        { key: 'tag', type: 'add_to_segment', config: { segment_id: segment.body.id } },
        { key: 'update', type: 'contact_update', config: { first_name: { var: 'event.name' }, properties: { plan: 'pro' } } },
        { key: 'forget', type: 'contact_delete', config: {} },
      ],
      connections: [
        { from: 'start', to: 'wait' },
        { from: 'wait', to: 'check', type: 'default' },
        { from: 'check', to: 'reply', type: 'condition_met' },
        { from: 'check', to: 'forget', type: 'condition_not_met' },
        { from: 'reply', to: 'thanks', type: 'event_received' },
        { from: 'reply', to: 'update', type: 'timeout' },
        { from: 'thanks', to: 'tag' },
      ],
    };

    const validate = requestBodyValidator('post', '/automations');
    const bodies = [...(await exampleAutomationBodies(templateIds, segment.body.id)), { name: 'every step type', body: everyStepType }];
    expect(bodies.length).toBeGreaterThan(1);
    for (const { name, body } of bodies) {
      expect(validate(body), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      const created = await api.request('POST', '/automations', body);
      expect(created.status, `${name}: ${JSON.stringify(created.body)}`).toBe(201);
    }
  });

  it.each([
    ['an unknown top-level field', { extra: true }],
    ['no name', { name: undefined }],
    ['an unknown step type', { steps: [{ key: 'start', type: 'sms', config: {} }] }],
    ['an unknown field in a step config', { steps: [{ key: 'start', type: 'trigger', config: { event_name: 'a', extra: 1 } }] }],
    ['an unknown connection type', { connections: [{ from: 'start', to: 'start', type: 'sometimes' }] }],
    ['a step key with spaces', { steps: [{ key: 'the start', type: 'trigger', config: { event_name: 'a' } }] }],
  ])('rejects a body with %s, like the validator', async (_case, change) => {
    const body = JSON.parse(
      JSON.stringify({
        name: 'Rejected',
        steps: [{ key: 'start', type: 'trigger', config: { event_name: 'user.created' } }],
        connections: [],
        ...change,
      }),
    ) as Record<string, unknown>;
    const validate = requestBodyValidator('post', '/automations');
    expect(validate(body)).toBe(false);
    const response = await api.request('POST', '/automations', body);
    expect(response.status).toBe(422);
  });
});

describe('response schemas', () => {
  it('match the responses of the main resources', async () => {
    const check = (method: string, path: string, status: string, body: unknown) => {
      const validate = successValidator(method, path, status);
      expect(validate(body), `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };

    const template = await api.request('POST', '/templates', { name: 'Schema check', html: '<p>{{{NAME}}}</p>', variables: [{ key: 'NAME', type: 'string', fallback_value: 'you' }] });
    check('post', '/templates', '201', template.body);
    check('get', '/templates/{id_or_alias}', '200', (await api.request('GET', `/templates/${template.body.id}`)).body);
    check('get', '/templates', '200', (await api.request('GET', '/templates')).body);

    const automation = await api.request('POST', '/automations', {
      name: 'Schema check',
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'user.created' } },
        { key: 'hello', type: 'send_email', config: { template: { id: template.body.id } } },
      ],
      connections: [{ from: 'start', to: 'hello' }],
    });
    check('get', '/automations/{id}', '200', (await api.request('GET', `/automations/${automation.body.id}`)).body);
    check('get', '/automations', '200', (await api.request('GET', '/automations')).body);

    const contact = await api.request('POST', '/contacts', { email: `schema-${uuidv7()}@example.com`, first_name: 'Ada' });
    check('get', '/contacts/{id_or_email}', '200', (await api.request('GET', `/contacts/${contact.body.id}`)).body);
    check('get', '/contacts', '200', (await api.request('GET', '/contacts')).body);

    const createdAt = Date.now() - 60_000;
    const run = makeRunState({ runId: uuidv7(createdAt), automationId: automation.body.id, contactId: contact.body.id, createdAt, status: 'completed', completedAt: createdAt + 500 });
    await api.repos.runs.saveState(run);
    check('get', '/automations/{id}/runs', '200', (await api.request('GET', `/automations/${automation.body.id}/runs`)).body);
    check('get', '/automations/{id}/runs/{run_id}', '200', (await api.request('GET', `/automations/${automation.body.id}/runs/${run.runId}`)).body);
    check('get', '/automations/{id}/metrics', '200', (await api.request('GET', `/automations/${automation.body.id}/metrics`)).body);

    const segment = await api.request('POST', '/segments', { name: 'Schema check' });
    check('post', '/segments', '201', segment.body);
    check('get', '/segments/{id}', '200', (await api.request('GET', `/segments/${segment.body.id}`)).body);
    const membership = await api.request('POST', `/contacts/${contact.body.id}/segments/${segment.body.id}`);
    check('post', '/contacts/{id_or_email}/segments/{segment_id}', '201', membership.body);

    const topic = await api.request('POST', '/topics', { name: 'Schema check', default_subscription: 'opt_in' });
    check('get', '/topics/{id}', '200', (await api.request('GET', `/topics/${topic.body.id}`)).body);
    check('get', '/contacts/{id_or_email}/topics', '200', (await api.request('GET', `/contacts/${contact.body.id}/topics`)).body);

    const definition = await api.request('POST', '/events', { name: `schema.checked.${uuidv7().slice(-6)}`, schema: { amount: 'number' } });
    check('get', '/events/{id_or_name}', '200', (await api.request('GET', `/events/${definition.body.id}`)).body);

    const property = await api.request('POST', '/contact-properties', { key: `schema_${uuidv7().slice(-6)}`, type: 'number', fallback_value: 1 });
    check('get', '/contact-properties/{id}', '200', (await api.request('GET', `/contact-properties/${property.body.id}`)).body);

    check('post', '/events/send', '202', (await api.request('POST', '/events/send', { event: 'nothing.listens', contact_id: contact.body.id })).body);
    check('delete', '/automations/{id}', '200', (await api.request('DELETE', `/automations/${automation.body.id}`)).body);
    check('delete', '/contacts/{id_or_email}', '200', (await api.request('DELETE', `/contacts/${contact.body.id}`)).body);
  });

  it('match the error shape', async () => {
    const response = await api.request('GET', `/automations/${uuidv7()}`);
    expect(response.status).toBe(404);
    const validate = validatorAt('components', 'schemas', 'Error');
    expect(validate(response.body), JSON.stringify(validate.errors)).toBe(true);
  });
});
