/**
 * Every method of the official `resend` client's automations, runs, events,
 * contacts, contact properties, segments, topics and templates namespaces,
 * against the whole product. The compiler assigns each response to the
 * client's exported response type. At run time, `expectShape` checks that
 * every key of that type is present with an allowed JavaScript type and
 * names the keys this server adds. The values are compared with what another
 * endpoint or the repositories read back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resend } from 'resend';
import type {
  AddContactSegmentResponseSuccess,
  Automation,
  AutomationResponseConnection,
  AutomationResponseStep,
  AutomationRunItem,
  AutomationRunStep,
  AutomationStep,
  Contact,
  ContactProperty,
  ContactTopic,
  CreateAutomationResponseSuccess,
  CreateContactPropertyResponseSuccess,
  CreateContactResponseSuccess,
  CreateEventResponseSuccess,
  CreateSegmentResponseSuccess,
  CreateTemplateResponseSuccess,
  CreateTopicResponseSuccess,
  DuplicateAutomationResponseSuccess,
  DuplicateTemplateResponseSuccess,
  ErrorResponse,
  Event as EventDefinition,
  GetAutomationResponseSuccess,
  GetAutomationRunResponseSuccess,
  GetContactPropertyResponse,
  GetContactResponseSuccess,
  GetEventResponseSuccess,
  GetSegmentResponseSuccess,
  GetTemplateResponseSuccess,
  GetTopicResponseSuccess,
  ListAutomationRunsResponseSuccess,
  ListAutomationsResponseSuccess,
  ListContactPropertiesResponse,
  ListContactSegmentsResponseSuccess,
  ListContactsResponseSuccess,
  ListContactTopicsResponseSuccess,
  ListEventsResponseSuccess,
  ListSegmentsResponseSuccess,
  ListTemplatesResponseSuccess,
  ListTopicsResponseSuccess,
  PublishTemplateResponseSuccess,
  RemoveAutomationResponseSuccess,
  RemoveContactPropertyResponseSuccess,
  RemoveContactSegmentResponseSuccess,
  RemoveContactsResponseSuccess,
  RemoveEventResponseSuccess,
  RemoveSegmentResponseSuccess,
  RemoveTemplateResponseSuccess,
  RemoveTopicResponseSuccess,
  Segment,
  SendEventResponseSuccess,
  StopAutomationResponseSuccess,
  TemplateVariable,
  Topic,
  UpdateAutomationResponseSuccess,
  UpdateContactPropertyResponseSuccess,
  UpdateContactResponseSuccess,
  UpdateContactTopicsResponseSuccess,
  UpdateEventResponseSuccess,
  UpdateSegmentResponseSuccess,
  UpdateTemplateResponseSuccess,
  UpdateTopicResponseSuccess,
} from 'resend';
import { expectShape, type Shape } from '../support/shape.js';
import { eventually, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let resend: Resend;

beforeAll(async () => {
  stack = await startStack();
  process.env.RESEND_BASE_URL = stack.baseUrl;
  resend = new Resend(stack.apiKey);
});

afterAll(async () => {
  await stack?.stop();
});

/** The subset of the client's `Response<T>` these helpers read. */
interface ClientResponse<T> {
  data: T | null;
  error: ErrorResponse | null;
}

/** Asserts that a call succeeded and returns its data. `call` names the method in failure messages. */
function dataOf<T>(call: string, response: ClientResponse<T>): T {
  expect(response.error, `${call} error`).toBeNull();
  expect(response.data, `${call} data`).not.toBeNull();
  return response.data!;
}

function expectNotFound(call: string, response: ClientResponse<unknown>): void {
  expect(response.data, `${call} data`).toBeNull();
  expect(response.error, `${call} error`).toMatchObject({ name: 'not_found', statusCode: 404 });
}

const LIST: Shape<{ object: 'list'; has_more: boolean; data: unknown[] }> = {
  object: 'string',
  has_more: 'boolean',
  data: 'array',
};

const AUTOMATION_ITEM: Shape<Automation> = {
  id: 'string',
  name: 'string',
  status: 'string',
  created_at: 'string',
  updated_at: ['string', 'null'],
};

const AUTOMATION: Shape<GetAutomationResponseSuccess> = {
  ...AUTOMATION_ITEM,
  object: 'string',
  steps: 'array',
  connections: 'array',
};

const AUTOMATION_STEP: Shape<AutomationResponseStep> = { key: 'string', type: 'string', config: 'object' };
const AUTOMATION_CONNECTION: Shape<AutomationResponseConnection> = { from: 'string', to: 'string', type: 'string' };

const RUN_ITEM: Shape<AutomationRunItem> = {
  id: 'string',
  status: 'string',
  started_at: ['string', 'null'],
  completed_at: ['string', 'null'],
  created_at: 'string',
};

const RUN: Shape<GetAutomationRunResponseSuccess> = { ...RUN_ITEM, object: 'string', steps: 'array' };

const RUN_STEP: Shape<AutomationRunStep> = {
  key: 'string',
  type: 'string',
  status: 'string',
  output: ['object', 'null'],
  error: ['object', 'null'],
  started_at: ['string', 'null'],
  completed_at: ['string', 'null'],
  created_at: 'string',
};

const EVENT_DEFINITION: Shape<EventDefinition> = {
  id: 'string',
  name: 'string',
  schema: ['object', 'null'],
  created_at: 'string',
  updated_at: ['string', 'null'],
};

const CONTACT_ITEM: Shape<Contact> = {
  id: 'string',
  email: 'string',
  first_name: ['string', 'null'],
  last_name: ['string', 'null'],
  unsubscribed: 'boolean',
  created_at: 'string',
};

const CONTACT: Shape<GetContactResponseSuccess> = { ...CONTACT_ITEM, object: 'string', properties: 'object' };

const CONTACT_PROPERTY_VALUE: Shape<GetContactResponseSuccess['properties'][string]> = {
  type: 'string',
  value: ['string', 'number'],
};

const CONTACT_PROPERTY: Shape<ContactProperty> = {
  id: 'string',
  key: 'string',
  type: 'string',
  fallbackValue: ['string', 'number', 'null'],
  createdAt: 'string',
};

const SEGMENT_ITEM: Shape<Segment> = { id: 'string', name: 'string', created_at: 'string' };

// The client's type declares `description?: string`, but a topic created without one has `description: null`.
const TOPIC: Shape<Topic> = {
  id: 'string',
  name: 'string',
  description: ['string', 'null'],
  default_subscription: 'string',
  created_at: 'string',
};

const CONTACT_TOPIC: Shape<ContactTopic> = {
  id: 'string',
  name: 'string',
  description: ['string', 'null'],
  subscription: 'string',
};

type TemplateListItem = ListTemplatesResponseSuccess['data'][number];

const TEMPLATE_ITEM: Shape<TemplateListItem> = {
  id: 'string',
  name: 'string',
  alias: ['string', 'null'],
  status: 'string',
  published_at: ['string', 'null'],
  created_at: 'string',
  updated_at: 'string',
};

const TEMPLATE: Shape<GetTemplateResponseSuccess> = {
  ...TEMPLATE_ITEM,
  object: 'string',
  subject: ['string', 'null'],
  html: 'string',
  text: ['string', 'null'],
  variables: ['array', 'null'],
  from: ['string', 'null'],
  reply_to: ['array', 'null'],
  has_unpublished_versions: 'boolean',
  current_version_id: 'string',
};

const TEMPLATE_VARIABLE: Shape<TemplateVariable> = {
  key: 'string',
  type: 'string',
  fallback_value: ['string', 'number', 'null'],
  created_at: 'string',
  updated_at: 'string',
};

/** `{ object, id }`, the response body of most creates and updates. */
const OBJECT_ID: Shape<{ object: string; id: string }> = { object: 'string', id: 'string' };

/** The extra keys of a run: which automation and contact it belongs to and the event that started it. */
const RUN_EXTRA_KEYS = ['automation_id', 'contact_id', 'trigger'];

async function createTemplate(name: string, publish: boolean): Promise<string> {
  const options = {
    name,
    subject: 'Hello {{{NAME}}}',
    html: '<p>Hello {{{NAME}}}</p>',
    variables: [{ key: 'NAME', type: 'string' as const, fallbackValue: 'there' }],
  };
  if (publish) return dataOf('templates.create().publish()', await resend.templates.create(options).publish()).id;
  return dataOf('templates.create', await resend.templates.create(options)).id;
}

async function createSegment(name: string): Promise<string> {
  return dataOf('segments.create', await resend.segments.create({ name })).id;
}

async function createTopic(name: string, defaultSubscription: 'opt_in' | 'opt_out'): Promise<string> {
  return dataOf('topics.create', await resend.topics.create({ name, description: `${name} news`, defaultSubscription })).id;
}

/** trigger -> delay, a small valid graph for tests that never run it. */
function triggerAndDelay(eventName: string): { steps: AutomationStep[]; connections: Array<{ from: string; to: string }> } {
  return {
    steps: [
      { key: 'start', type: 'trigger', config: { eventName } },
      { key: 'pause', type: 'delay', config: { duration: '1 hour' } },
    ],
    connections: [{ from: 'start', to: 'pause' }],
  };
}

describe('resend.automations', () => {
  it('create and get keep every step type', async () => {
    const templateId = await createTemplate('Every step', false);
    const segmentId = await createSegment('Every step');
    const topicId = await createTopic('Every step', 'opt_in');

    const steps: AutomationStep[] = [
      { key: 'start', type: 'trigger', config: { eventName: 'compat.signed_up' } },
      { key: 'is_pro', type: 'condition', config: { type: 'rule', field: 'event.plan', operator: 'eq', value: 'pro' } },
      {
        key: 'welcome',
        type: 'send_email',
        config: {
          template: { id: templateId, variables: { NAME: { var: 'event.first_name' } } },
          subject: 'Welcome',
          from: 'Team <team@example.com>',
          replyTo: 'help@example.com',
          topicId,
        },
      },
      { key: 'pause', type: 'delay', config: { duration: '1 hour' } },
      {
        key: 'await_login',
        type: 'wait_for_event',
        config: {
          eventName: 'compat.logged_in',
          timeout: '3 days',
          filterRule: { type: 'rule', field: 'event.device', operator: 'exists' },
        },
      },
      {
        key: 'rename',
        type: 'contact_update',
        config: { firstName: { var: 'event.first_name' }, unsubscribed: false, properties: { plan: { var: 'event.plan' } } },
      },
      { key: 'join', type: 'add_to_segment', config: { segmentId } },
      { key: 'forget', type: 'contact_delete', config: {} },
    ];
    const connections = [
      { from: 'start', to: 'is_pro' },
      { from: 'is_pro', to: 'welcome', type: 'condition_met' as const },
      { from: 'is_pro', to: 'forget', type: 'condition_not_met' as const },
      { from: 'welcome', to: 'pause' },
      { from: 'pause', to: 'await_login' },
      { from: 'await_login', to: 'rename', type: 'event_received' as const },
      { from: 'await_login', to: 'join', type: 'timeout' as const },
      { from: 'rename', to: 'join' },
    ];

    const created: CreateAutomationResponseSuccess = dataOf(
      'automations.create',
      await resend.automations.create({ name: 'Every step', steps, connections }),
    );
    expectShape('automations.create', created, OBJECT_ID);
    expect(created.object).toBe('automation');

    const automation: GetAutomationResponseSuccess = dataOf('automations.get', await resend.automations.get(created.id));
    expectShape('automations.get', automation, AUTOMATION);
    automation.steps.forEach((step, index) => expectShape(`automations.get steps[${index}]`, step, AUTOMATION_STEP));
    automation.connections.forEach((connection, index) =>
      expectShape(`automations.get connections[${index}]`, connection, AUTOMATION_CONNECTION),
    );
    expect(automation).toMatchObject({ object: 'automation', id: created.id, name: 'Every step', status: 'disabled' });

    // The client renames camelCase config fields, and the server stores and returns the wire names.
    expect(automation.steps).toEqual([
      { key: 'start', type: 'trigger', config: { event_name: 'compat.signed_up' } },
      { key: 'is_pro', type: 'condition', config: { type: 'rule', field: 'event.plan', operator: 'eq', value: 'pro' } },
      {
        key: 'welcome',
        type: 'send_email',
        config: {
          template: { id: templateId, variables: { NAME: { var: 'event.first_name' } } },
          subject: 'Welcome',
          from: 'Team <team@example.com>',
          reply_to: 'help@example.com',
          topic_id: topicId,
        },
      },
      { key: 'pause', type: 'delay', config: { duration: '1 hour' } },
      {
        key: 'await_login',
        type: 'wait_for_event',
        config: {
          event_name: 'compat.logged_in',
          timeout: '3 days',
          filter_rule: { type: 'rule', field: 'event.device', operator: 'exists' },
        },
      },
      {
        key: 'rename',
        type: 'contact_update',
        config: { first_name: { var: 'event.first_name' }, unsubscribed: false, properties: { plan: { var: 'event.plan' } } },
      },
      { key: 'join', type: 'add_to_segment', config: { segment_id: segmentId } },
      { key: 'forget', type: 'contact_delete', config: {} },
    ]);
    expect(automation.connections).toEqual(connections.map((connection) => ({ type: 'default', ...connection })));

    const stored = await stack.repos.automations.findById(created.id);
    expect(stored?.graph.steps.map((step) => step.key)).toEqual(steps.map((step) => step.key));
  });

  it('list filters by status and pages', async () => {
    const disabled = dataOf('automations.create', await resend.automations.create({ name: 'Listed off', ...triggerAndDelay('compat.list_off') })).id;
    const enabled = dataOf(
      'automations.create',
      await resend.automations.create({ name: 'Listed on', status: 'enabled', ...triggerAndDelay('compat.list_on') }),
    ).id;

    const onlyEnabled: ListAutomationsResponseSuccess = dataOf('automations.list', await resend.automations.list({ status: 'enabled', limit: 100 }));
    expectShape('automations.list', onlyEnabled, LIST);
    onlyEnabled.data.forEach((item, index) => expectShape(`automations.list data[${index}]`, item, AUTOMATION_ITEM));
    expect(onlyEnabled.object).toBe('list');
    expect(onlyEnabled.data.map((item) => item.id)).toContain(enabled);
    expect(onlyEnabled.data.map((item) => item.id)).not.toContain(disabled);
    expect(onlyEnabled.data.every((item) => item.status === 'enabled')).toBe(true);
    expect(onlyEnabled.data.find((item) => item.id === enabled)).toMatchObject({ name: 'Listed on', status: 'enabled' });

    // Newest first, so the enabled one, created last, heads the first page.
    const first = dataOf('automations.list', await resend.automations.list({ limit: 1 }));
    expect(first.data.map((item) => item.id)).toEqual([enabled]);
    expect(first.has_more).toBe(true);
    const second = dataOf('automations.list', await resend.automations.list({ limit: 1, after: enabled }));
    expect(second.data.map((item) => item.id)).toEqual([disabled]);
    const back = dataOf('automations.list', await resend.automations.list({ limit: 1, before: disabled }));
    expect(back.data.map((item) => item.id)).toEqual([enabled]);
  });

  it('update changes name, graph and status', async () => {
    const id = dataOf('automations.create', await resend.automations.create({ name: 'Before', ...triggerAndDelay('compat.update') })).id;

    const renamed: UpdateAutomationResponseSuccess = dataOf('automations.update', await resend.automations.update(id, { name: 'After' }));
    expectShape('automations.update', renamed, OBJECT_ID);
    expect(renamed).toEqual({ object: 'automation', id });
    expect(dataOf('automations.get', await resend.automations.get(id)).name).toBe('After');

    const graph = triggerAndDelay('compat.update_again');
    graph.steps.push({ key: 'pause_more', type: 'delay', config: { duration: '2 days' } });
    graph.connections.push({ from: 'pause', to: 'pause_more' });
    dataOf('automations.update', await resend.automations.update(id, graph));
    const regraphed = dataOf('automations.get', await resend.automations.get(id));
    expect(regraphed.steps.map((step) => [step.key, step.config])).toEqual([
      ['start', { event_name: 'compat.update_again' }],
      ['pause', { duration: '1 hour' }],
      ['pause_more', { duration: '2 days' }],
    ]);

    dataOf('automations.update', await resend.automations.update(id, { status: 'enabled' }));
    const enabled = dataOf('automations.get', await resend.automations.get(id));
    expect(enabled.status).toBe('enabled');
    expect(enabled.updated_at).not.toBeNull();
    expect((await stack.repos.automations.findById(id))?.status).toBe('enabled');

    // The graph of an enabled automation is frozen, so the client gets an error and the graph stays.
    const rejected = await resend.automations.update(id, triggerAndDelay('compat.frozen'));
    expect(rejected.error).toMatchObject({ name: 'validation_error', statusCode: 422 });
    expect(dataOf('automations.get', await resend.automations.get(id)).steps[0]!.config).toEqual({ event_name: 'compat.update_again' });
  });

  it('stop disables and duplicate copies', async () => {
    const id = dataOf(
      'automations.create',
      await resend.automations.create({ name: 'Stoppable', status: 'enabled', ...triggerAndDelay('compat.stop') }),
    ).id;

    const stopped: StopAutomationResponseSuccess = dataOf('automations.stop', await resend.automations.stop(id));
    expectShape('automations.stop', stopped, { object: 'string', id: 'string', status: 'string' });
    expect(stopped).toEqual({ object: 'automation', id, status: 'disabled' });
    expect(dataOf('automations.get', await resend.automations.get(id)).status).toBe('disabled');

    const duplicated: DuplicateAutomationResponseSuccess = dataOf('automations.duplicate', await resend.automations.duplicate(id));
    expectShape('automations.duplicate', duplicated, OBJECT_ID);
    expect(duplicated.object).toBe('automation');
    expect(duplicated.id).not.toBe(id);
    const original = dataOf('automations.get', await resend.automations.get(id));
    const copy = dataOf('automations.get', await resend.automations.get(duplicated.id));
    expect(copy).toMatchObject({ name: 'Stoppable (copy)', status: 'disabled' });
    expect(copy.steps).toEqual(original.steps);
    expect(copy.connections).toEqual(original.connections);
  });

  it('remove deletes so get is not_found', async () => {
    const id = dataOf('automations.create', await resend.automations.create({ name: 'Doomed', ...triggerAndDelay('compat.remove') })).id;

    const removed: RemoveAutomationResponseSuccess = dataOf('automations.remove', await resend.automations.remove(id));
    expectShape('automations.remove', removed, { object: 'string', id: 'string', deleted: 'boolean' });
    expect(removed).toEqual({ object: 'automation', id, deleted: true });

    expectNotFound('automations.get', await resend.automations.get(id));
    expect(await stack.repos.automations.findById(id)).toBeNull();
  });
});

describe('resend.automations.runs and resend.events.send', () => {
  it('list and get show an executed run', async () => {
    const templateId = await createTemplate('Run greeting', true);
    const automationId = dataOf(
      'automations.create',
      await resend.automations.create({
        name: 'Greets',
        status: 'enabled',
        steps: [
          { key: 'start', type: 'trigger', config: { eventName: 'compat.greet' } },
          { key: 'greet', type: 'send_email', config: { template: { id: templateId, variables: { NAME: { var: 'event.name' } } } } },
        ],
        connections: [{ from: 'start', to: 'greet' }],
      }),
    ).id;

    const sent: SendEventResponseSuccess = dataOf(
      'events.send',
      await resend.events.send({ event: 'compat.greet', email: 'runner@example.com', payload: { name: 'Ada' } }),
    );
    expectShape('events.send', sent, { object: 'string', event: 'string' });
    expect(sent).toEqual({ object: 'event', event: 'compat.greet' });

    const runs: ListAutomationRunsResponseSuccess = await eventually(
      async () => dataOf('automations.runs.list', await resend.automations.runs.list({ automationId })),
      (list) => list.data.length === 1 && list.data[0]!.status === 'completed',
    );
    expectShape('automations.runs.list', runs, LIST);
    expectShape('automations.runs.list data[0]', runs.data[0]!, RUN_ITEM);
    const runId = runs.data[0]!.id;
    expect(runs.data[0]!.started_at).not.toBeNull();
    expect(runs.data[0]!.completed_at).not.toBeNull();

    const run: GetAutomationRunResponseSuccess = dataOf('automations.runs.get', await resend.automations.runs.get({ automationId, runId }));
    expectShape('automations.runs.get', run, RUN, RUN_EXTRA_KEYS);
    run.steps.forEach((step, index) => expectShape(`automations.runs.get steps[${index}]`, step, RUN_STEP));
    expect(run).toMatchObject({ object: 'automation_run', id: runId, status: 'completed' });
    expect(run.steps.map((step) => [step.key, step.type, step.status])).toEqual([
      ['start', 'trigger', 'completed'],
      ['greet', 'send_email', 'completed'],
    ]);

    // The step's output names the email, which both the email store and the SMTP server have.
    const emailId = run.steps[1]!.output?.email_id;
    expect(typeof emailId).toBe('string');
    const email = await stack.emails.findById(emailId as string);
    expect(email).toMatchObject({ to: 'runner@example.com', status: 'sent', run_id: runId, subject: 'Hello Ada' });
    const received = await eventually(
      async () => (await stack.mailbox()).filter((message) => message.to.includes('runner@example.com')),
      (messages) => messages.length > 0,
    );
    expect(received.map((message) => message.subject)).toEqual(['Hello Ada']);

    // events.send created the contact, with the same fields as contacts.create gives one.
    const contact = dataOf('contacts.get', await resend.contacts.get({ email: 'runner@example.com' }));
    expectShape('contacts.get', contact, CONTACT);
    expect(contact).toMatchObject({ first_name: null, last_name: null, unsubscribed: false, properties: {} });

    // A second event addressed by contact id starts a second run for the same contact.
    dataOf('events.send', await resend.events.send({ event: 'compat.greet', contactId: contact.id, payload: { name: 'Ada' } }));
    const both = await eventually(
      async () => dataOf('automations.runs.list', await resend.automations.runs.list({ automationId, status: 'completed' })),
      (list) => list.data.length === 2,
    );
    expect(both.data[1]!.id).toBe(runId);
    const none = dataOf('automations.runs.list', await resend.automations.runs.list({ automationId, status: ['failed', 'cancelled'] }));
    expect(none.data).toEqual([]);
    const paged = dataOf('automations.runs.list', await resend.automations.runs.list({ automationId, limit: 1 }));
    expect(paged.data.map((item) => item.id)).toEqual([both.data[0]!.id]);
    expect(paged.has_more).toBe(true);
  });
});

describe('resend.events', () => {
  it('create, get, list, update and remove definitions', async () => {
    const created: CreateEventResponseSuccess = dataOf(
      'events.create',
      await resend.events.create({ name: 'compat.purchased', schema: { amount: 'number', sku: 'string' } }),
    );
    expectShape('events.create', created, OBJECT_ID);
    expect(created.object).toBe('event');

    const byName: GetEventResponseSuccess = dataOf('events.get', await resend.events.get('compat.purchased'));
    expectShape('events.get', byName, { ...EVENT_DEFINITION, object: 'string' });
    expect(byName).toMatchObject({ object: 'event', id: created.id, name: 'compat.purchased', schema: { amount: 'number', sku: 'string' } });
    const byId = dataOf('events.get', await resend.events.get(created.id));
    expect(byId).toEqual(byName);

    const list: ListEventsResponseSuccess = dataOf('events.list', await resend.events.list({ limit: 100 }));
    expectShape('events.list', list, LIST);
    list.data.forEach((item, index) => expectShape(`events.list data[${index}]`, item, EVENT_DEFINITION));
    expect(list.data.find((item) => item.id === created.id)).toMatchObject({ name: 'compat.purchased' });

    const updated: UpdateEventResponseSuccess = dataOf(
      'events.update',
      await resend.events.update('compat.purchased', { schema: { amount: 'number', paid_at: 'date' } }),
    );
    expectShape('events.update', updated, OBJECT_ID);
    expect(updated).toEqual({ object: 'event', id: created.id });
    const reread = dataOf('events.get', await resend.events.get(created.id));
    expect(reread.schema).toEqual({ amount: 'number', paid_at: 'date' });
    expect(reread.updated_at).not.toBeNull();

    // The new schema applies to sends: a non-numeric amount is rejected.
    const rejected = await resend.events.send({ event: 'compat.purchased', email: 'buyer@example.com', payload: { amount: 'lots' } });
    expect(rejected.error).toMatchObject({ statusCode: 422 });

    const removed: RemoveEventResponseSuccess = dataOf('events.remove', await resend.events.remove('compat.purchased'));
    expectShape('events.remove', removed, { object: 'string', id: 'string', deleted: 'boolean' });
    expect(removed).toEqual({ object: 'event', id: created.id, deleted: true });
    expectNotFound('events.get', await resend.events.get(created.id));
  });
});

describe('resend.contacts', () => {
  it('create, get, list, update and remove contacts', async () => {
    dataOf('contactProperties.create', await resend.contactProperties.create({ key: 'company', type: 'string' }));
    dataOf('contactProperties.create', await resend.contactProperties.create({ key: 'logins', type: 'number', fallbackValue: 0 }));
    const segmentId = await createSegment('Contacts test');
    const topicId = await createTopic('Contacts test', 'opt_in');

    const created: CreateContactResponseSuccess = dataOf(
      'contacts.create',
      await resend.contacts.create({
        email: 'Grace@Example.com',
        firstName: 'Grace',
        lastName: 'Hopper',
        unsubscribed: false,
        properties: { company: 'Navy' },
        segments: [{ id: segmentId }],
        topics: [{ id: topicId, subscription: 'opt_out' }],
      }),
    );
    expectShape('contacts.create', created, OBJECT_ID);
    expect(created.object).toBe('contact');
    const id = created.id;

    const byId: GetContactResponseSuccess = dataOf('contacts.get', await resend.contacts.get({ id }));
    expectShape('contacts.get', byId, CONTACT);
    for (const [key, value] of Object.entries(byId.properties)) {
      expectShape(`contacts.get properties.${key}`, value, CONTACT_PROPERTY_VALUE);
    }
    expect(byId).toEqual({
      object: 'contact',
      id,
      email: 'grace@example.com',
      first_name: 'Grace',
      last_name: 'Hopper',
      unsubscribed: false,
      created_at: expect.any(String),
      // `logins` has no value, so its fallback shows.
      properties: { company: { type: 'string', value: 'Navy' }, logins: { type: 'number', value: 0 } },
    });
    expect(dataOf('contacts.get', await resend.contacts.get({ email: 'grace@example.com' }))).toEqual(byId);
    expect(dataOf('contacts.get', await resend.contacts.get(id))).toEqual(byId);
    expect((await stack.repos.segments.listContactSegments(id)).map((segment) => segment._id)).toEqual([segmentId]);
    expect(await stack.repos.topics.findSubscription(id, topicId)).toBe('opt_out');

    const list: ListContactsResponseSuccess = dataOf('contacts.list', await resend.contacts.list({ limit: 100 }));
    expectShape('contacts.list', list, LIST);
    list.data.forEach((item, index) => expectShape(`contacts.list data[${index}]`, item, CONTACT_ITEM));
    expect(list.data.find((item) => item.id === id)).toEqual({
      id,
      email: 'grace@example.com',
      first_name: 'Grace',
      last_name: 'Hopper',
      unsubscribed: false,
      created_at: byId.created_at,
    });
    const members = dataOf('contacts.list', await resend.contacts.list({ segmentId }));
    expectShape('contacts.list by segment', members, LIST);
    expect(members.data.map((item) => item.id)).toEqual([id]);

    const updated: UpdateContactResponseSuccess = dataOf(
      'contacts.update',
      await resend.contacts.update({ id, firstName: 'Amazing Grace', properties: { logins: 3 } }),
    );
    expectShape('contacts.update', updated, OBJECT_ID);
    expect(updated).toEqual({ object: 'contact', id });
    dataOf('contacts.update', await resend.contacts.update({ email: 'grace@example.com', lastName: null, unsubscribed: true }));
    expect(dataOf('contacts.get', await resend.contacts.get({ id }))).toMatchObject({
      first_name: 'Amazing Grace',
      last_name: null,
      unsubscribed: true,
      properties: { company: { type: 'string', value: 'Navy' }, logins: { type: 'number', value: 3 } },
    });
    expect(await stack.repos.contacts.findById(id)).toMatchObject({ first_name: 'Amazing Grace', unsubscribed: true });

    const removed: RemoveContactsResponseSuccess = dataOf('contacts.remove', await resend.contacts.remove({ email: 'grace@example.com' }));
    expectShape('contacts.remove', removed, { object: 'string', contact: 'string', deleted: 'boolean' });
    expect(removed).toEqual({ object: 'contact', contact: id, deleted: true });
    expectNotFound('contacts.get', await resend.contacts.get({ id }));
    expect(await stack.repos.contacts.findById(id)).toBeNull();

    // The other two ways to name the contact to remove: an id string and `{ id }`.
    for (const [email, remove] of [
      ['by-string@example.com', (contactId: string) => resend.contacts.remove(contactId)],
      ['by-id@example.com', (contactId: string) => resend.contacts.remove({ id: contactId })],
    ] as const) {
      const contactId = dataOf('contacts.create', await resend.contacts.create({ email })).id;
      expect(dataOf('contacts.remove', await remove(contactId))).toEqual({ object: 'contact', contact: contactId, deleted: true });
      expectNotFound('contacts.get', await resend.contacts.get(contactId));
    }
  });

  it('segments list, add and remove memberships', async () => {
    const first = await createSegment('Members first');
    const second = await createSegment('Members second');
    const contactId = dataOf('contacts.create', await resend.contacts.create({ email: 'member@example.com' })).id;

    const added: AddContactSegmentResponseSuccess = dataOf(
      'contacts.segments.add',
      await resend.contacts.segments.add({ contactId, segmentId: first }),
    );
    expectShape('contacts.segments.add', added, { id: 'string' }, ['object', 'contact_id']);
    expect(added).toEqual({ object: 'segment', id: first, contact_id: contactId });
    dataOf('contacts.segments.add', await resend.contacts.segments.add({ email: 'member@example.com', segmentId: second }));

    const byId: ListContactSegmentsResponseSuccess = dataOf('contacts.segments.list', await resend.contacts.segments.list({ contactId }));
    expectShape('contacts.segments.list', byId, LIST);
    byId.data.forEach((item, index) => expectShape(`contacts.segments.list data[${index}]`, item, SEGMENT_ITEM));
    expect(byId.data.map((item) => [item.id, item.name])).toEqual([
      [second, 'Members second'],
      [first, 'Members first'],
    ]);
    const byEmail = dataOf('contacts.segments.list', await resend.contacts.segments.list({ email: 'member@example.com', limit: 1 }));
    expect(byEmail.data.map((item) => item.id)).toEqual([second]);
    expect(byEmail.has_more).toBe(true);

    const removed: RemoveContactSegmentResponseSuccess = dataOf(
      'contacts.segments.remove',
      await resend.contacts.segments.remove({ contactId, segmentId: first }),
    );
    // The client's type also declares `audienceId`. Resend's API reference shows
    // only `{ id, deleted }` here, and this server sends no `audienceId` either.
    const removedShape: Shape<Omit<RemoveContactSegmentResponseSuccess, 'audienceId'>> = { id: 'string', deleted: 'boolean' };
    expectShape('contacts.segments.remove', removed, removedShape, ['object', 'contact_id']);
    expect(removed).toEqual({ object: 'segment', id: first, contact_id: contactId, deleted: true });
    dataOf('contacts.segments.remove', await resend.contacts.segments.remove({ email: 'member@example.com', segmentId: second }));

    expect(await stack.repos.segments.listContactSegments(contactId)).toEqual([]);
    expect(dataOf('contacts.segments.list', await resend.contacts.segments.list({ contactId })).data).toEqual([]);
  });

  it('topics list and update subscriptions', async () => {
    const news = await createTopic('Compat news', 'opt_in');
    const offers = await createTopic('Compat offers', 'opt_out');
    const contactId = dataOf('contacts.create', await resend.contacts.create({ email: 'reader@example.com' })).id;

    const before: ListContactTopicsResponseSuccess = dataOf('contacts.topics.list', await resend.contacts.topics.list({ id: contactId }));
    expectShape('contacts.topics.list', before, LIST);
    before.data.forEach((item, index) => expectShape(`contacts.topics.list data[${index}]`, item, CONTACT_TOPIC));
    const subscriptions = (list: ListContactTopicsResponseSuccess) =>
      Object.fromEntries(list.data.filter((item) => item.id === news || item.id === offers).map((item) => [item.name, item.subscription]));
    expect(subscriptions(before)).toEqual({ 'Compat news': 'opt_in', 'Compat offers': 'opt_out' });
    expect(before.data.find((item) => item.id === news)?.description).toBe('Compat news news');

    const updated: UpdateContactTopicsResponseSuccess = dataOf(
      'contacts.topics.update',
      await resend.contacts.topics.update({
        id: contactId,
        topics: [
          { id: news, subscription: 'opt_out' },
          { id: offers, subscription: 'opt_in' },
        ],
      }),
    );
    expectShape('contacts.topics.update', updated, { id: 'string' }, ['object']);
    expect(updated).toEqual({ object: 'contact', id: contactId });

    const after = dataOf('contacts.topics.list', await resend.contacts.topics.list({ email: 'reader@example.com' }));
    expect(subscriptions(after)).toEqual({ 'Compat news': 'opt_out', 'Compat offers': 'opt_in' });
    expect(await stack.repos.topics.findSubscription(contactId, news)).toBe('opt_out');

    const byEmail = await resend.contacts.topics.update({ email: 'reader@example.com', topics: [{ id: news, subscription: 'opt_in' }] });
    dataOf('contacts.topics.update', byEmail);
    expect(await stack.repos.topics.findSubscription(contactId, news)).toBe('opt_in');
  });
});

describe('resend.contactProperties', () => {
  it('create, get, list, update and remove properties', async () => {
    const created: CreateContactPropertyResponseSuccess = dataOf(
      'contactProperties.create',
      await resend.contactProperties.create({ key: 'tier', type: 'string', fallbackValue: 'free' }),
    );
    expectShape('contactProperties.create', created, OBJECT_ID);
    expect(created.object).toBe('contact_property');
    const seats = dataOf('contactProperties.create', await resend.contactProperties.create({ key: 'seats_used', type: 'number' })).id;

    // The client turns the wire's snake_case fields into camelCase, so a field the server left out would read as undefined.
    const fetched: NonNullable<GetContactPropertyResponse['data']> = dataOf('contactProperties.get', await resend.contactProperties.get(created.id));
    expectShape('contactProperties.get', fetched, { ...CONTACT_PROPERTY, object: 'string' });
    expect(fetched).toEqual({
      object: 'contact_property',
      id: created.id,
      key: 'tier',
      type: 'string',
      fallbackValue: 'free',
      createdAt: expect.any(String),
    });

    const list: NonNullable<ListContactPropertiesResponse['data']> = dataOf(
      'contactProperties.list',
      await resend.contactProperties.list({ limit: 100 }),
    );
    expectShape('contactProperties.list', list, LIST);
    list.data.forEach((item, index) => expectShape(`contactProperties.list data[${index}]`, item, CONTACT_PROPERTY));
    expect(list.data.find((item) => item.id === seats)).toMatchObject({ key: 'seats_used', type: 'number', fallbackValue: null });

    const updated: UpdateContactPropertyResponseSuccess = dataOf(
      'contactProperties.update',
      await resend.contactProperties.update({ id: created.id, fallbackValue: 'basic' }),
    );
    expectShape('contactProperties.update', updated, OBJECT_ID);
    expect(updated).toEqual({ object: 'contact_property', id: created.id });
    expect(dataOf('contactProperties.get', await resend.contactProperties.get(created.id)).fallbackValue).toBe('basic');
    expect((await stack.repos.contactProperties.findById(created.id))?.fallback_value).toBe('basic');

    const removed: RemoveContactPropertyResponseSuccess = dataOf('contactProperties.remove', await resend.contactProperties.remove(created.id));
    expectShape('contactProperties.remove', removed, { object: 'string', id: 'string', deleted: 'boolean' });
    expect(removed).toEqual({ object: 'contact_property', id: created.id, deleted: true });
    expectNotFound('contactProperties.get', await resend.contactProperties.get(created.id));
  });
});

describe('resend.segments', () => {
  it('create, get, list, update and remove segments', async () => {
    const created: CreateSegmentResponseSuccess = dataOf('segments.create', await resend.segments.create({ name: 'Early adopters' }));
    expectShape('segments.create', created, { object: 'string', id: 'string', name: 'string' });
    expect(created).toMatchObject({ object: 'segment', name: 'Early adopters' });
    const id = created.id;

    const fetched: GetSegmentResponseSuccess = dataOf('segments.get', await resend.segments.get(id));
    expectShape('segments.get', fetched, { ...SEGMENT_ITEM, object: 'string' });
    expect(fetched).toEqual({ object: 'segment', id, name: 'Early adopters', created_at: expect.any(String) });

    const list: ListSegmentsResponseSuccess = dataOf('segments.list', await resend.segments.list({ limit: 100 }));
    expectShape('segments.list', list, LIST);
    list.data.forEach((item, index) => expectShape(`segments.list data[${index}]`, item, SEGMENT_ITEM));
    expect(list.data.find((item) => item.id === id)).toEqual({ id, name: 'Early adopters', created_at: fetched.created_at });

    const updated: UpdateSegmentResponseSuccess = dataOf('segments.update', await resend.segments.update(id, { name: 'Pioneers' }));
    expectShape('segments.update', updated, OBJECT_ID);
    expect(updated).toEqual({ object: 'segment', id });
    expect(dataOf('segments.get', await resend.segments.get(id)).name).toBe('Pioneers');
    expect((await stack.repos.segments.findById(id))?.name).toBe('Pioneers');

    const removed: RemoveSegmentResponseSuccess = dataOf('segments.remove', await resend.segments.remove(id));
    expectShape('segments.remove', removed, { object: 'string', id: 'string', deleted: 'boolean' });
    expect(removed).toEqual({ object: 'segment', id, deleted: true });
    expectNotFound('segments.get', await resend.segments.get(id));
  });
});

describe('resend.topics', () => {
  it('create, get, list, update and remove topics', async () => {
    const created: CreateTopicResponseSuccess = dataOf(
      'topics.create',
      await resend.topics.create({ name: 'Release notes', description: 'What shipped', defaultSubscription: 'opt_out' }),
    );
    expectShape('topics.create', created, { id: 'string' }, ['object']);
    const id = created.id;

    const fetched: GetTopicResponseSuccess = dataOf('topics.get', await resend.topics.get(id));
    expectShape('topics.get', fetched, TOPIC, ['object']);
    expect(fetched).toEqual({
      object: 'topic',
      id,
      name: 'Release notes',
      description: 'What shipped',
      default_subscription: 'opt_out',
      created_at: expect.any(String),
    });

    const list: ListTopicsResponseSuccess = dataOf('topics.list', await resend.topics.list());
    expectShape('topics.list', list, { data: 'array' }, ['object', 'has_more']);
    list.data.forEach((item, index) => expectShape(`topics.list data[${index}]`, item, TOPIC));
    expect(list.data.find((item) => item.id === id)).toEqual({
      id,
      name: 'Release notes',
      description: 'What shipped',
      default_subscription: 'opt_out',
      created_at: fetched.created_at,
    });

    const updated: UpdateTopicResponseSuccess = dataOf(
      'topics.update',
      await resend.topics.update({ id, name: 'Changelog', description: 'Everything that shipped' }),
    );
    expectShape('topics.update', updated, { id: 'string' }, ['object']);
    expect(updated).toEqual({ object: 'topic', id });
    expect(dataOf('topics.get', await resend.topics.get(id))).toMatchObject({ name: 'Changelog', description: 'Everything that shipped' });

    // The client's list() sends no paging options, so it receives the default page: the 20 newest topics.
    for (let index = 0; index < 20; index += 1) {
      dataOf('topics.create', await resend.topics.create({ name: `Filler ${index}`, defaultSubscription: 'opt_in' }));
    }
    const firstPage = dataOf('topics.list', await resend.topics.list());
    expect(firstPage.data).toHaveLength(20);
    expect(firstPage).toMatchObject({ object: 'list', has_more: true });
    expect(firstPage.data.map((item) => item.id)).not.toContain(id);

    const bare = dataOf('topics.create', await resend.topics.create({ name: 'No description', defaultSubscription: 'opt_in' })).id;
    expect(dataOf('topics.get', await resend.topics.get(bare)).description).toBeNull();

    const removed: RemoveTopicResponseSuccess = dataOf('topics.remove', await resend.topics.remove(id));
    expectShape('topics.remove', removed, { object: 'string', id: 'string', deleted: 'boolean' });
    expect(removed).toEqual({ object: 'topic', id, deleted: true });
    expectNotFound('topics.get', await resend.topics.get(id));
  });
});

describe('resend.templates', () => {
  it('create, get, update, publish and list templates', async () => {
    const created: CreateTemplateResponseSuccess = dataOf(
      'templates.create',
      await resend.templates.create({
        name: 'Receipt',
        alias: 'receipt',
        subject: 'Your receipt, {{{NAME}}}',
        html: '<p>Thanks, {{{NAME}}}. Total: {{{TOTAL}}}</p>',
        text: 'Thanks, {{{NAME}}}. Total: {{{TOTAL}}}',
        from: 'Billing <billing@example.com>',
        replyTo: 'help@example.com',
        variables: [
          { key: 'NAME', type: 'string', fallbackValue: 'customer' },
          { key: 'TOTAL', type: 'number', fallbackValue: 0 },
        ],
      }),
    );
    expectShape('templates.create', created, OBJECT_ID);
    expect(created.object).toBe('template');
    const id = created.id;

    const draft: GetTemplateResponseSuccess = dataOf('templates.get', await resend.templates.get(id));
    expectShape('templates.get', draft, TEMPLATE);
    draft.variables!.forEach((variable, index) => expectShape(`templates.get variables[${index}]`, variable, TEMPLATE_VARIABLE));
    expect(draft).toMatchObject({
      object: 'template',
      id,
      name: 'Receipt',
      alias: 'receipt',
      status: 'draft',
      published_at: null,
      subject: 'Your receipt, {{{NAME}}}',
      text: 'Thanks, {{{NAME}}}. Total: {{{TOTAL}}}',
      from: 'Billing <billing@example.com>',
      reply_to: ['help@example.com'],
      has_unpublished_versions: true,
    });
    expect(draft.variables!.map((variable) => [variable.key, variable.type, variable.fallback_value])).toEqual([
      ['NAME', 'string', 'customer'],
      ['TOTAL', 'number', 0],
    ]);
    expect(dataOf('templates.get', await resend.templates.get('receipt'))).toEqual(draft);

    const published: PublishTemplateResponseSuccess = dataOf('templates.publish', await resend.templates.publish('receipt'));
    expectShape('templates.publish', published, OBJECT_ID);
    expect(published).toEqual({ object: 'template', id });
    const live = dataOf('templates.get', await resend.templates.get(id));
    expect(live).toMatchObject({ status: 'published', has_unpublished_versions: false });
    expect(live.published_at).not.toBeNull();

    const updated: UpdateTemplateResponseSuccess = dataOf(
      'templates.update',
      await resend.templates.update(id, { subject: 'Receipt for {{{NAME}}}', replyTo: ['help@example.com', 'billing@example.com'] }),
    );
    expectShape('templates.update', updated, OBJECT_ID);
    expect(updated).toEqual({ object: 'template', id });
    const edited = dataOf('templates.get', await resend.templates.get(id));
    expect(edited).toMatchObject({
      subject: 'Receipt for {{{NAME}}}',
      reply_to: ['help@example.com', 'billing@example.com'],
      status: 'published',
      has_unpublished_versions: true,
    });
    expect(edited.current_version_id).not.toBe(live.current_version_id);
    expect((await stack.repos.templates.findById(id))?.draft.subject).toBe('Receipt for {{{NAME}}}');

    const chained: PublishTemplateResponseSuccess = dataOf(
      'templates.create().publish()',
      await resend.templates.create({ name: 'Chained', html: '<p>Chained</p>' }).publish(),
    );
    expectShape('templates.create().publish()', chained, OBJECT_ID);
    expect(dataOf('templates.get', await resend.templates.get(chained.id)).status).toBe('published');

    const list: ListTemplatesResponseSuccess = dataOf('templates.list', await resend.templates.list({ limit: 100 }));
    expectShape('templates.list', list, LIST);
    list.data.forEach((item, index) => expectShape(`templates.list data[${index}]`, item, TEMPLATE_ITEM));
    const listed = list.data.find((item) => item.id === id);
    expect(listed).toEqual({
      id,
      name: 'Receipt',
      alias: 'receipt',
      status: 'published',
      published_at: live.published_at,
      created_at: edited.created_at,
      updated_at: edited.updated_at,
    });
    // Newest first.
    expect(list.data.findIndex((item) => item.id === chained.id)).toBeLessThan(list.data.findIndex((item) => item.id === id));
  });

  it('duplicate copies and remove deletes', async () => {
    const id = await createTemplate('Original', true);

    const copy: DuplicateTemplateResponseSuccess = dataOf('templates.duplicate', await resend.templates.duplicate(id));
    expectShape('templates.duplicate', copy, OBJECT_ID);
    expect(copy.object).toBe('template');
    const original = dataOf('templates.get', await resend.templates.get(id));
    const duplicate = dataOf('templates.get', await resend.templates.get(copy.id));
    expect(duplicate).toMatchObject({ name: 'Original (copy)', status: 'draft', subject: original.subject, html: original.html });

    const publishedCopy: PublishTemplateResponseSuccess = dataOf(
      'templates.duplicate().publish()',
      await resend.templates.duplicate(id).publish(),
    );
    expect(publishedCopy.id).not.toBe(copy.id);
    expect(dataOf('templates.get', await resend.templates.get(publishedCopy.id)).status).toBe('published');

    const removed: RemoveTemplateResponseSuccess = dataOf('templates.remove', await resend.templates.remove(copy.id));
    expectShape('templates.remove', removed, { object: 'string', id: 'string', deleted: 'boolean' });
    expect(removed).toEqual({ object: 'template', id: copy.id, deleted: true });
    expectNotFound('templates.get', await resend.templates.get(copy.id));
    expect(await stack.repos.templates.findById(copy.id)).toBeNull();
  });
});

describe('client methods this server does not serve', () => {
  it('contacts.imports and audienceId calls fail', async () => {
    // The server has no /contacts/imports routes. GET reads "imports" as a contact id or email, and POST is not allowed there.
    const importsList = await resend.contacts.imports.list();
    expect(importsList.data).toBeNull();
    expect(importsList.error).toMatchObject({ name: 'invalid_parameter', statusCode: 422 });
    const importsCreate = await resend.contacts.imports.create({ file: new Blob(['email\nada@example.com\n']) });
    expect(importsCreate.data).toBeNull();
    expect(importsCreate.error).toMatchObject({ name: 'method_not_allowed', statusCode: 405 });

    // With `audienceId`, these methods call /audiences/... paths, which do not exist here.
    const audienceId = '0192f0c8-0000-7000-8000-000000000000';
    const legacyCalls = {
      'contacts.create': await resend.contacts.create({ audienceId, email: 'legacy@example.com' }),
      'contacts.get': await resend.contacts.get({ audienceId, email: 'legacy@example.com' }),
      'contacts.update': await resend.contacts.update({ audienceId, email: 'legacy@example.com', firstName: 'Legacy' }),
      'contacts.remove': await resend.contacts.remove({ audienceId, email: 'legacy@example.com' }),
    };
    for (const [call, response] of Object.entries(legacyCalls)) {
      expectNotFound(`${call} with audienceId`, response);
    }
    expect(await stack.repos.contacts.findByEmail('legacy@example.com')).toBeNull();
  });
});
