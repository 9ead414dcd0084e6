/**
 * Bad input on every route of the app, found by walking `app.routes`:
 * property-based requests with malformed bodies, path parameters, query
 * strings and headers, then named cases (MongoDB operators, prototype keys,
 * oversized and deeply nested bodies, invalid UTF-8). Every response must be
 * below 500, every 4xx must have the public error shape, and a rejected
 * request must change no document in any collection and start no run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../api/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import { renderTemplate } from '../../domain/render.js';
import { createUnsubscribeLinks } from '../../mail/unsubscribe-links.js';
import { createApiFixture, makeRunState, welcomeGraph, type ApiFixture } from './fixture.js';

/** Requests per route in the property; each costs two snapshots of the database. */
const RUNS_PER_ROUTE = 12;

interface Route {
  method: string;
  path: string;
}

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

interface Seeded {
  templateId: string;
  templateAlias: string;
  segmentId: string;
  contactId: string;
  contactEmail: string;
  automationId: string;
  runId: string;
  topicId: string;
  eventName: string;
  propertyId: string;
  /** Tokens of valid unsubscribe links of the contact, for all email and for the topic. */
  unsubscribeTokens: string[];
}

interface Response {
  status: number;
  contentType: string;
  text: string;
}

let api: ApiFixture;
let routes: Route[];
let sendingKey: string;

beforeAll(async () => {
  api = await createApiFixture();
  sendingKey = (await api.repos.apiKeys.create('sender', 'sending_access')).key;
  routes = listRoutes();
  // The first unsubscribe link check generates and stores the signing key; doing it now keeps it out of the comparisons.
  await api.app.request('/unsubscribe/not-a-token');
});
afterAll(async () => {
  await api.close();
});

/** Returns each method and path the app serves, without middleware entries. */
function listRoutes(): Route[] {
  const unique = new Map<string, Route>();
  for (const route of api.app.routes) {
    if (route.method === 'ALL') continue;
    unique.set(`${route.method} ${route.path}`, { method: route.method, path: route.path });
  }
  return [...unique.values()];
}

/**
 * Creates one record of each resource through the API, so path parameters can
 * name real records. `tag` keeps names unique when a test seeds again after
 * fuzzed requests deleted the first records.
 */
async function seed(tag: string): Promise<Seeded> {
  const created = async (path: string, body: unknown): Promise<string> => {
    const response = await api.request('POST', path, body);
    if (response.status !== 201) throw new Error(`seeding ${path} failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.id as string;
  };

  const templateAlias = `seed-${tag}`;
  const contactEmail = `seed-${tag}@example.com`;
  const eventName = `seed.${tag}`;
  const templateId = await created('/templates', { name: 'Seed', alias: templateAlias, subject: 'Hi', html: '<p>Hi</p>' });
  await api.request('POST', `/templates/${templateId}/publish`);
  const segmentId = await created('/segments', { name: 'Seed' });
  const contactId = await created('/contacts', { email: contactEmail, first_name: 'Seed' });
  const automationId = await created('/automations', { name: 'Seed', ...welcomeGraph(templateId, eventName) });
  const topicId = await created('/topics', { name: `Seed ${tag}`, default_subscription: 'opt_in' });
  await created('/events', { name: eventName });
  const propertyId = await created('/contact-properties', { key: `plan_${tag}`, type: 'string' });

  const runId = uuidv7();
  await api.repos.runs.saveState(makeRunState({ runId, automationId, contactId, status: 'completed' }));

  const links = createUnsubscribeLinks({ publicUrl: 'http://localhost:3000', configuredSecret: undefined, settings: api.repos.settings });
  const unsubscribeTokens = await Promise.all(
    [null, topicId].map(async (topic) => new URL(await links.url({ contactId, topicId: topic })).pathname.split('/')[2]!),
  );
  return { templateId, templateAlias, segmentId, contactId, contactEmail, automationId, runId, topicId, eventName, propertyId, unsubscribeTokens };
}

/** Returns every document of every collection as text, so a comparison catches updates as well as inserts and deletes. */
async function snapshotDatabase(): Promise<Record<string, string>> {
  const collections = await api.db.listCollections({}, { nameOnly: true }).toArray();
  const entries = await Promise.all(
    collections.map(async ({ name }) => {
      const documents = await api.db.collection(name).find({}).sort({ _id: 1 }).toArray();
      return [name, `${documents.length} ${JSON.stringify(documents)}`] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function engineCalls(): number {
  return api.engine.started.length + api.engine.delivered.length + api.engine.cancelled.length;
}

async function send(request: FuzzRequest): Promise<Response> {
  const response = await api.app.request(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

function describeExchange(request: FuzzRequest, response: Response): string {
  return `${request.method} ${request.url} -> ${response.status} ${response.text.slice(0, 300)}`;
}

/** Checks what every response must satisfy: no 5xx, and the public error shape on a 4xx. */
function checkResponse(request: FuzzRequest, response: Response): void {
  const label = describeExchange(request, response);
  expect(response.status, label).toBeLessThan(500);
  if (response.status < 400) return;

  // The unsubscribe pages respond to browsers with HTML, while every API error is JSON.
  if (response.contentType.startsWith('text/html')) {
    expect(request.url.startsWith('/unsubscribe/'), label).toBe(true);
    return;
  }
  expect(response.contentType, label).toMatch(/^application\/json/);
  const body: unknown = JSON.parse(response.text);
  expect(body, label).toEqual({ name: expect.stringMatching(/^[a-z_]+$/), statusCode: response.status, message: expect.any(String) });
  const message = (body as { message: string }).message;
  expect(message.length, label).toBeGreaterThan(0);
  expect(message, label).not.toMatch(/Mongo|E11000|\.ts:\d+|at [\w.]+ \(/);
}

/** Sends one request; if it is rejected, checks that no document changed and no run started. */
async function sendAndCheck(request: FuzzRequest): Promise<void> {
  const before = await snapshotDatabase();
  const callsBefore = engineCalls();
  const response = await send(request);
  checkResponse(request, response);
  if (response.status < 400) return;

  const label = describeExchange(request, response);
  expect(await snapshotDatabase(), label).toEqual(before);
  expect(engineCalls(), label).toBe(callsBefore);
}

/**
 * Sends requests that must all be rejected, and checks that none changed a
 * document or started a run. Returns the statuses in order.
 */
async function sendRejected(requests: FuzzRequest[]): Promise<number[]> {
  const before = await snapshotDatabase();
  const callsBefore = engineCalls();
  const statuses: number[] = [];
  for (const request of requests) {
    const response = await send(request);
    checkResponse(request, response);
    expect(response.status, describeExchange(request, response)).toBeGreaterThanOrEqual(400);
    statuses.push(response.status);
  }
  expect(await snapshotDatabase()).toEqual(before);
  expect(engineCalls()).toBe(callsBefore);
  return statuses;
}

// ---------------------------------------------------------------------------
// Arbitraries

const FIELD_NAMES = [
  'after', 'alias', 'before', 'connections', 'contact_id', 'default_subscription', 'description', 'email', 'event',
  'fallback_value', 'first_name', 'from', 'html', 'id', 'key', 'last_name', 'limit', 'name', 'payload', 'properties',
  'reply_to', 'schema', 'segments', 'status', 'steps', 'subject', 'text', 'to', 'topics', 'type', 'unsubscribed',
  'variables', 'config', 'template', 'duration', 'event_name', 'filter_rule', 'field', 'operator', 'value', 'rules',
  'segment_id', 'topic_id', 'subscription',
];

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', '$gt', '$set', '$where', 'a.b', '', ' '];

const HOSTILE_STRINGS = [
  '', ' ', '$gt', '$where', '{"$gt":""}', '__proto__', 'constructor', '../../etc/passwd', '\u0000', 'null', 'true',
  '-1', '0', '101', '1e309', '0x10', 'NaN', '{{{contact.email}}}', '{{{RESEND_UNSUBSCRIBE_URL}}}', '<script>x</script>',
  "' OR '1'='1", 'resend:reserved', 'ÿ', '😀', 'x'.repeat(5000), '0190a5f6-6b1c-7d2e-8f3a-0123456789ab',
  'user.created', 'seed@example.com', 'enabled', 'disabled', 'running,failed',
];

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

const OPERATOR_OBJECTS = ['{"$gt":""}', '{"$ne":null}', '{"$where":"sleep(1000)"}', '{"$regex":".*"}', '{"$in":[]}', '{"$exists":true}'];

const scalarJson = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-1', '1.5', '-0', '1e308', '123456789012345678901234567890'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  hostileString.map((value) => JSON.stringify(value)),
);

const objectKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** JSON text built by hand, so keys such as `__proto__` appear in it verbatim. */
const { json: jsonText } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, scalarJson, fc.constantFrom(...OPERATOR_OBJECTS), tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc
    .array(fc.tuple(objectKey, tie('json')), { maxLength: 6 })
    .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`),
}));

/** Bytes that are not valid UTF-8: a stray continuation byte, a cut sequence, an overlong form, a surrogate. */
const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0x80], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];

function withInvalidUtf8(text: string, bytes: number[]): Uint8Array {
  const encoded = new TextEncoder().encode(text);
  const quote = encoded.indexOf(0x22);
  const at = quote === -1 ? 0 : quote + 1;
  return new Uint8Array([...encoded.slice(0, at), ...bytes, ...encoded.slice(at)]);
}

const bodyArbitrary: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: jsonText },
  { weight: 1, arbitrary: jsonText.chain((text) => fc.nat(text.length).map((length) => text.slice(0, length))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.tuple(jsonText, fc.constantFrom(...INVALID_UTF8)).map(([text, bytes]) => withInvalidUtf8(text, bytes)) },
);

/** Path or query text that is not valid percent-encoding, or decodes to invalid UTF-8. */
const MALFORMED_ENCODINGS = ['%', '%zz', '%ff', '%c0%af', '%E0%A4%A', '%00', '%2e%2e%2f', '..', '%25', '%u0041'];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Percent-encodes a value; a lone surrogate cannot be encoded, so it becomes U+FFFD first. */
function encodeComponent(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\ufffd'));
}

const pathValue = (known: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known).map(encodeComponent) },
    { weight: 3, arbitrary: hostileString.filter((value) => value !== '').map(encodeComponent) },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_ENCODINGS) },
  );

const QUERY_KEYS = ['limit', 'after', 'before', 'status', 'from', 'to', 'email', '__proto__', 'constructor', '$gt', 'status[$ne]', 'limit[]'];

const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ minLength: 1, maxLength: 8 }).map(encodeComponent)),
      fc.oneof(hostileString.map(encodeComponent), fc.constantFrom(...MALFORMED_ENCODINGS)),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`));

/** Header values are ByteStrings; printable ASCII and Latin-1 letters keep the Request constructor from rejecting them. */
const headerText = fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCZ[\\]^_`abcz{|}~éÿ'), maxLength: 40 });

function headersArbitrary(): fc.Arbitrary<Record<string, string>> {
  return fc
    .record(
      {
        authorization: fc.oneof(
          { weight: 8, arbitrary: fc.constant(`Bearer ${api.apiKey}`) },
          { weight: 1, arbitrary: fc.constant(`Bearer ${sendingKey}`) },
          { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer  ${api.apiKey}`) },
          { weight: 1, arbitrary: headerText.map((text) => `Bearer ${text}`) },
        ),
        'content-type': fc.oneof(
          fc.constantFrom(
            'application/json',
            'application/json; charset=latin1',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            '',
          ),
          headerText,
        ),
        'idempotency-key': headerText,
        'content-encoding': fc.constantFrom('gzip', 'br', 'identity'),
        'x-http-method-override': fc.constantFrom('DELETE', 'PUT', 'GET'),
      },
      { requiredKeys: [] },
    )
    .map((headers) => Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<string, string>);
}

const OTHER_METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS'];

function requestArbitrary(route: Route, knownValues: string[]): fc.Arbitrary<FuzzRequest> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
  const params = fc.tuple(...names.map(() => pathValue(knownValues)));
  return fc
    .record({
      method: fc.oneof({ weight: 5, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) }),
      params,
      query: queryString,
      headers: headersArbitrary(),
      body: bodyArbitrary,
    })
    .map(({ method, params: values, query, headers, body }) => {
      let index = 0;
      const path = route.path.replace(/:(\w+)/g, () => values[index++]!);
      // fetch rejects a GET request with a body.
      return { method, url: `${path}${query}`, headers, body: method === 'GET' ? undefined : body };
    });
}

// ---------------------------------------------------------------------------

describe('bad input on every route', () => {
  let knownValues: string[];

  beforeAll(async () => {
    knownValues = Object.values(await seed('fuzz')).flat();
  });

  it('finds the routes of every resource', () => {
    const paths = new Set(routes.map((route) => route.path.split('/')[1]));
    for (const resource of ['automations', 'contacts', 'segments', 'templates', 'events', 'emails']) {
      expect(paths).toContain(resource);
    }
    expect(routes.length).toBeGreaterThan(30);
  });

  it('never answers 5xx and rejects without storing anything', async () => {
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(requestArbitrary(route, knownValues), async (request) => {
          await sendAndCheck(request);
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
  });
});

describe('named bad input', () => {
  let seeded: Seeded;

  beforeAll(async () => {
    // Seeded again, because the fuzzed requests above may have deleted the first records.
    seeded = await seed('named');
  });

  /** Routes that read a JSON body. */
  function bodyRoutes(): Route[] {
    return routes.filter((route) => (route.method === 'POST' || route.method === 'PATCH') && !route.path.startsWith('/unsubscribe'));
  }

  /** Fills path parameters with seeded records, so that the body is what the route rejects. */
  function concretePath(route: Route): string {
    const byResource: Record<string, string> = {
      templates: seeded.templateId,
      segments: seeded.segmentId,
      contacts: seeded.contactId,
      automations: seeded.automationId,
      topics: seeded.topicId,
      events: seeded.eventName,
      'contact-properties': seeded.propertyId,
    };
    return route.path.replace(/:(\w+)/g, (_match, name: string) => {
      if (name === 'run_id') return seeded.runId;
      if (name === 'segment_id') return seeded.segmentId;
      return byResource[route.path.split('/')[1]!] ?? seeded.contactId;
    });
  }

  function jsonRequest(method: string, url: string, body?: string | Uint8Array, headers: Record<string, string> = {}): FuzzRequest {
    return { method, url, body, headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json', ...headers } };
  }

  it('rejects a MongoDB operator in any field', async () => {
    const requests = bodyRoutes().flatMap((route) =>
      FIELD_NAMES.map((field, index) => {
        const operator = OPERATOR_OBJECTS[index % OPERATOR_OBJECTS.length]!;
        return jsonRequest(route.method, concretePath(route), `{"${field}":${operator}}`);
      }),
    );
    const statuses = await sendRejected(requests);
    expect(new Set(statuses)).toEqual(new Set([422]));
  });

  it('rejects operators nested in free-form objects', async () => {
    const requests = [
      jsonRequest('POST', '/contacts', '{"email":"op@example.com","properties":{"plan":{"$gt":""}}}'),
      jsonRequest('POST', '/events/send', `{"event":"${seeded.eventName}","email":"op@example.com","payload":{"a":[{"$where":"1"}]}}`),
      jsonRequest('POST', '/automations', '{"name":"x","steps":[{"key":"s","type":"trigger","config":{"event_name":{"$ne":null}}}],"connections":[]}'),
      jsonRequest('PATCH', `/contacts/${seeded.contactId}`, '{"properties":{"nested":{"$set":{"unsubscribed":true}}}}'),
    ];
    expect(await sendRejected(requests)).toEqual([422, 422, 422, 422]);
  });

  it('rejects operators and prototype names in paths and queries', async () => {
    const getRoutes = routes.filter((route) => route.method === 'GET' && route.path.includes(':'));
    const pathRequests = ['$gt', '%7B%22%24gt%22%3A%22%22%7D', '__proto__', 'constructor', 'prototype'].flatMap((value) =>
      getRoutes.map((route) => jsonRequest('GET', route.path.replace(/:(\w+)/g, value))),
    );
    await sendRejected(pathRequests);

    const queries = ['?limit[$gt]=1', '?status[$ne]=running', '?__proto__[x]=1', '?constructor=1', '?after=%7B%22%24gt%22%3A%22%22%7D'];
    const statuses = await sendRejected(queries.map((query) => jsonRequest('GET', `/automations${query}`)));
    expect(statuses).toEqual(queries.map(() => 422));
  });

  it('rejects __proto__ and constructor keys anywhere', async () => {
    const requests = ['__proto__', 'constructor', 'prototype'].flatMap((key) =>
      bodyRoutes().flatMap((route) => [
        jsonRequest(route.method, concretePath(route), `{"${key}":{"polluted":true}}`),
        jsonRequest(route.method, concretePath(route), `{"name":"x","properties":{"${key}":{"polluted":true}},"payload":{"${key}":1}}`),
      ]),
    );
    const statuses = await sendRejected(requests);
    expect(new Set(statuses)).toEqual(new Set([422]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 413 to a body over the limit', async () => {
    const oversized = JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES) });
    const requests = bodyRoutes().flatMap((route) => [
      jsonRequest(route.method, concretePath(route), oversized),
      jsonRequest(route.method, concretePath(route), oversized, { 'content-length': String(oversized.length) }),
    ]);
    const statuses = await sendRejected(requests);
    expect(new Set(statuses)).toEqual(new Set([413]));
  });

  it('rejects deeply nested JSON', async () => {
    const depth = 100_000;
    const bodies = [
      `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      `{"payload":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)},"event":"${seeded.eventName}","email":"deep@example.com"}`,
    ];
    const requests = bodyRoutes().flatMap((route) => bodies.map((body) => jsonRequest(route.method, concretePath(route), body)));
    const statuses = await sendRejected(requests);
    expect(new Set(statuses)).toEqual(new Set([422]));
  });

  it('rejects a body that is not valid UTF-8', async () => {
    const requests = bodyRoutes().flatMap((route) =>
      INVALID_UTF8.map((bytes) =>
        jsonRequest(route.method, concretePath(route), withInvalidUtf8(`{"name":"x","email":"utf@example.com","event":"${seeded.eventName}"}`, bytes)),
      ),
    );
    const statuses = await sendRejected(requests);
    expect(new Set(statuses)).toEqual(new Set([400]));

    const response = await send(jsonRequest('POST', '/segments', withInvalidUtf8('{"name":"x"}', [0xff])));
    expect(JSON.parse(response.text)).toEqual({
      name: 'validation_error',
      statusCode: 400,
      message: 'The request body is not valid UTF-8; send JSON encoded as UTF-8.',
    });
  });

  it('keeps template syntax in contact data literal', async () => {
    const contact = { email: 'braces@example.com', first_name: '{{{contact.email}}}', last_name: '{{{RESEND_UNSUBSCRIBE_URL}}}' };
    expect((await api.request('POST', '/contacts', contact)).status).toBe(201);
    const fetched = await api.request('GET', '/contacts/braces@example.com');
    expect(fetched.body).toMatchObject({ first_name: '{{{contact.email}}}', last_name: '{{{RESEND_UNSUBSCRIBE_URL}}}' });

    const stored = await api.repos.contacts.findByEmail('braces@example.com');
    const template = {
      subject: 'Hi {{{contact.first_name}}}',
      html: '<p>{{{contact.first_name}}} {{{contact.last_name}}}</p>',
      text: '{{{contact.first_name}}}',
      variables: [],
    };
    const rendered = renderTemplate(template, {}, api.repos.contacts.toSnapshot(stored!), { RESEND_UNSUBSCRIBE_URL: 'https://example.com/u' });
    expect(rendered.subject).toBe('Hi {{{contact.email}}}');
    expect(rendered.html).toBe('<p>{{{contact.email}}} {{{RESEND_UNSUBSCRIBE_URL}}}</p>');
    expect(rendered.text).toBe('{{{contact.email}}}');
  });

  it('stores nothing for an idempotent send to an unknown contact', async () => {
    const body = `{"event":"${seeded.eventName}","contact_id":"${uuidv7()}"}`;
    const request = jsonRequest('POST', '/events/send', body, { 'idempotency-key': 'unknown-contact' });
    expect(await sendRejected([request])).toEqual([404]);
  });
});
