/**
 * Every operation of the HTTP API, with the zod schemas its handler validates
 * and the schema of its success response. The OpenAPI document is built from
 * this table, and a test checks that it lists every route the app registers.
 */
import { z } from 'zod';
import { createAutomationBody, listAutomationsQuery, listRunsQuery, updateAutomationBody } from '../schemas/automations.js';
import { pagedQuery } from '../schemas/common.js';
import { createContactPropertyBody, updateContactPropertyBody } from '../schemas/contact-properties.js';
import { createContactBody, updateContactBody } from '../schemas/contacts.js';
import { createEventBody, sendEventBody, updateEventBody } from '../schemas/events.js';
import { metricsQuery } from '../schemas/metrics.js';
import { segmentBody } from '../schemas/segments.js';
import { createTemplateBody, updateTemplateBody } from '../schemas/templates.js';
import { createTopicBody, topicChoices, updateTopicBody } from '../schemas/topics.js';
import * as responses from './response-schemas.js';

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

export interface Operation {
  method: HttpMethod;
  /** Path in Hono's form, `/automations/:id`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: Array<{ name: string; description: string }>;
  success: { status: number; description: string; schema: z.ZodType; contentType?: 'application/json' | 'text/html' };
  /** Another success status with the same body, such as 200 beside 201. */
  alsoStatus?: number;
  /** False for the few endpoints that need no API key. */
  authenticated?: boolean;
  /** Content type of the request body; JSON unless set. */
  bodyContentType?: 'application/json' | 'application/x-www-form-urlencoded';
  /** Error statuses, where the defaults derived from the operation's inputs do not fit. */
  errorStatuses?: string[];
}

/** Documentation of each path parameter name the routes use. */
export const PATH_PARAMETERS: Record<string, { description: string; format?: string }> = {
  id: { description: 'Id of the resource (UUID)', format: 'uuid' },
  run_id: { description: 'Id of the run (UUID)', format: 'uuid' },
  segment_id: { description: 'Id of the segment (UUID)', format: 'uuid' },
  id_or_email: { description: 'Id of the contact (UUID) or its email address' },
  id_or_alias: { description: 'Id of the template (UUID) or its alias' },
  id_or_name: { description: 'Id of the event definition (UUID) or the event name' },
  token: { description: 'Signed token from an unsubscribe link' },
};

const paged = pagedQuery({});

function crud(options: {
  tag: string;
  base: string;
  param: string;
  noun: string;
  plural: string;
  /** Noun and plural in PascalCase, for operation ids such as `createContactProperty`. */
  idNames: [string, string];
  create: z.ZodType;
  update: z.ZodType;
  item: z.ZodType;
  list: z.ZodType;
  createResult?: z.ZodType;
}): Operation[] {
  const itemPath = `${options.base}/:${options.param}`;
  const [name, pluralName] = options.idNames;
  return [
    {
      method: 'post',
      path: options.base,
      operationId: `create${name}`,
      tag: options.tag,
      summary: `Create a ${options.noun}`,
      body: options.create,
      success: { status: 201, description: `The ${options.noun} was created`, schema: options.createResult ?? responses.writeResultSchema },
    },
    {
      method: 'get',
      path: options.base,
      operationId: `list${pluralName}`,
      tag: options.tag,
      summary: `List ${options.plural}, newest first`,
      query: paged,
      success: { status: 200, description: `One page of ${options.plural}`, schema: options.list },
    },
    {
      method: 'get',
      path: itemPath,
      operationId: `get${name}`,
      tag: options.tag,
      summary: `Get a ${options.noun}`,
      success: { status: 200, description: `The ${options.noun}`, schema: options.item },
    },
    {
      method: 'patch',
      path: itemPath,
      operationId: `update${name}`,
      tag: options.tag,
      summary: `Update a ${options.noun}`,
      body: options.update,
      success: { status: 200, description: `The ${options.noun} was updated`, schema: responses.writeResultSchema },
    },
    {
      method: 'delete',
      path: itemPath,
      operationId: `delete${name}`,
      tag: options.tag,
      summary: `Delete a ${options.noun}`,
      success: { status: 200, description: `The ${options.noun} was deleted`, schema: responses.deleteResultSchema },
    },
  ];
}

const automationOperations: Operation[] = [
  {
    method: 'post',
    path: '/automations',
    operationId: 'createAutomation',
    tag: 'Automations',
    summary: 'Create an automation',
    description: 'A new automation is disabled unless `status` is `enabled`. The graph is validated as a whole.',
    body: createAutomationBody,
    success: { status: 201, description: 'The automation was created', schema: responses.writeResultSchema },
  },
  {
    method: 'get',
    path: '/automations',
    operationId: 'listAutomations',
    tag: 'Automations',
    summary: 'List automations, newest first',
    query: listAutomationsQuery,
    success: { status: 200, description: 'One page of automations', schema: responses.automationListSchema },
  },
  {
    method: 'get',
    path: '/automations/:id',
    operationId: 'getAutomation',
    tag: 'Automations',
    summary: 'Get an automation with its steps and connections',
    success: { status: 200, description: 'The automation', schema: responses.automationSchema },
  },
  {
    method: 'patch',
    path: '/automations/:id',
    operationId: 'updateAutomation',
    tag: 'Automations',
    summary: 'Update an automation',
    description: 'Send `steps` and `connections` together. The graph of an enabled automation cannot change.',
    body: updateAutomationBody,
    success: { status: 200, description: 'The automation was updated', schema: responses.writeResultSchema },
  },
  {
    method: 'delete',
    path: '/automations/:id',
    operationId: 'deleteAutomation',
    tag: 'Automations',
    summary: 'Delete an automation after cancelling its running runs',
    success: { status: 200, description: 'The automation was deleted', schema: responses.deleteResultSchema },
  },
  {
    method: 'post',
    path: '/automations/:id/stop',
    operationId: 'stopAutomation',
    tag: 'Automations',
    summary: 'Disable an automation and cancel its running runs',
    success: { status: 200, description: 'The automation is disabled', schema: responses.automationStopResultSchema },
  },
  {
    method: 'post',
    path: '/automations/:id/duplicate',
    operationId: 'duplicateAutomation',
    tag: 'Automations',
    summary: 'Copy an automation; the copy is disabled',
    success: { status: 201, description: 'The copy was created', schema: responses.writeResultSchema },
  },
  {
    method: 'get',
    path: '/automations/:id/metrics',
    operationId: 'getAutomationMetrics',
    tag: 'Automations',
    summary: 'Get run, step, email and duration figures over a time window',
    description: 'Counts the runs created between `from` and `to`, both included. The window defaults to the last 30 days.',
    query: metricsQuery,
    success: { status: 200, description: 'The metrics', schema: responses.automationMetricsSchema },
  },
  {
    method: 'get',
    path: '/automations/:id/runs',
    operationId: 'listAutomationRuns',
    tag: 'Runs',
    summary: 'List the runs of an automation, newest first',
    description: '`status` filters by a comma-separated list such as `running,failed`.',
    query: listRunsQuery,
    success: { status: 200, description: 'One page of runs', schema: responses.runListSchema },
  },
  {
    method: 'get',
    path: '/automations/:id/runs/:run_id',
    operationId: 'getAutomationRun',
    tag: 'Runs',
    summary: 'Get a run with its steps',
    success: { status: 200, description: 'The run', schema: responses.runSchema },
  },
  {
    method: 'post',
    path: '/automations/:id/runs/:run_id/cancel',
    operationId: 'cancelAutomationRun',
    tag: 'Runs',
    summary: 'Cancel a running run',
    description: 'Waits up to five seconds for the run to report `cancelled`. Cancelling a finished run is 422.',
    success: { status: 200, description: 'The run as it is after the cancel request', schema: responses.runSchema },
  },
];

const eventOperations: Operation[] = [
  {
    method: 'post',
    path: '/events/send',
    operationId: 'sendEvent',
    tag: 'Events',
    summary: 'Send an event for a contact',
    description: 'Starts a run of every enabled automation whose trigger names the event, and delivers it to runs waiting for it.',
    body: sendEventBody,
    headers: [{ name: 'Idempotency-Key', description: 'Repeats of a request with this key within 24 hours return the first response and start nothing.' }],
    success: { status: 202, description: 'The event was accepted', schema: responses.eventSentSchema },
  },
  ...crud({
    tag: 'Events',
    base: '/events',
    param: 'id_or_name',
    noun: 'event definition',
    idNames: ['EventDefinition', 'EventDefinitions'],
    plural: 'event definitions',
    create: createEventBody,
    update: updateEventBody,
    item: responses.eventSchema,
    list: responses.eventListSchema,
  }),
];

const contactOperations: Operation[] = [
  ...crud({
    tag: 'Contacts',
    base: '/contacts',
    param: 'id_or_email',
    noun: 'contact',
    idNames: ['Contact', 'Contacts'],
    plural: 'contacts',
    create: createContactBody,
    update: updateContactBody,
    item: responses.contactSchema,
    list: responses.contactListSchema,
  }).map((operation) =>
    operation.method === 'delete'
      ? { ...operation, success: { ...operation.success, schema: responses.contactDeleteResultSchema } }
      : operation,
  ),
  {
    method: 'get',
    path: '/contacts/:id_or_email/segments',
    operationId: 'listContactSegments',
    tag: 'Contacts',
    summary: 'List the segments of a contact',
    query: paged,
    success: { status: 200, description: 'One page of segments', schema: responses.segmentListSchema },
  },
  {
    method: 'post',
    path: '/contacts/:id_or_email/segments/:segment_id',
    operationId: 'addContactToSegment',
    tag: 'Contacts',
    summary: 'Add a contact to a segment',
    success: { status: 201, description: 'The contact joined the segment', schema: responses.segmentMembershipSchema },
    alsoStatus: 200,
  },
  {
    method: 'delete',
    path: '/contacts/:id_or_email/segments/:segment_id',
    operationId: 'removeContactFromSegment',
    tag: 'Contacts',
    summary: 'Remove a contact from a segment',
    success: { status: 200, description: 'The contact left the segment', schema: responses.segmentMembershipSchema },
  },
  {
    method: 'get',
    path: '/contacts/:id_or_email/topics',
    operationId: 'listContactTopics',
    tag: 'Contacts',
    summary: "List the topics with the contact's subscription to each",
    query: paged,
    success: { status: 200, description: 'One page of topics', schema: responses.contactTopicListSchema },
  },
  {
    method: 'patch',
    path: '/contacts/:id_or_email/topics',
    operationId: 'updateContactTopics',
    tag: 'Contacts',
    summary: "Set the contact's subscription to some topics",
    body: topicChoices,
    success: { status: 200, description: 'The subscriptions were saved', schema: responses.writeResultSchema },
  },
  ...crud({
    tag: 'Contact properties',
    base: '/contact-properties',
    param: 'id',
    noun: 'contact property',
    idNames: ['ContactProperty', 'ContactProperties'],
    plural: 'contact properties',
    create: createContactPropertyBody,
    update: updateContactPropertyBody,
    item: responses.contactPropertySchema,
    list: responses.contactPropertyListSchema,
  }),
];

const segmentOperations: Operation[] = [
  ...crud({
    tag: 'Segments',
    base: '/segments',
    param: 'id',
    noun: 'segment',
    idNames: ['Segment', 'Segments'],
    plural: 'segments',
    create: segmentBody,
    update: segmentBody,
    item: responses.segmentSchema,
    list: responses.segmentListSchema,
    createResult: responses.segmentCreateResultSchema,
  }),
  {
    method: 'get',
    path: '/segments/:id/contacts',
    operationId: 'listSegmentContacts',
    tag: 'Segments',
    summary: 'List the contacts in a segment',
    query: paged,
    success: { status: 200, description: 'One page of contacts', schema: responses.contactListSchema },
  },
];

const topicOperations: Operation[] = crud({
  tag: 'Topics',
  base: '/topics',
  param: 'id',
  noun: 'topic',
  idNames: ['Topic', 'Topics'],
  plural: 'topics',
  create: createTopicBody,
  update: updateTopicBody,
  item: responses.topicSchema,
  list: responses.topicListSchema,
});

const templateOperations: Operation[] = [
  ...crud({
    tag: 'Templates',
    base: '/templates',
    param: 'id_or_alias',
    noun: 'template',
    idNames: ['Template', 'Templates'],
    plural: 'templates',
    create: createTemplateBody,
    update: updateTemplateBody,
    item: responses.templateSchema,
    list: responses.templateListSchema,
  }),
  {
    method: 'post',
    path: '/templates/:id_or_alias/publish',
    operationId: 'publishTemplate',
    tag: 'Templates',
    summary: 'Publish the current draft, so sends use it',
    success: { status: 200, description: 'The template was published', schema: responses.writeResultSchema },
  },
  {
    method: 'post',
    path: '/templates/:id_or_alias/duplicate',
    operationId: 'duplicateTemplate',
    tag: 'Templates',
    summary: 'Copy a template as a new draft',
    success: { status: 201, description: 'The copy was created', schema: responses.writeResultSchema },
  },
];

const emailOperations: Operation[] = [
  {
    method: 'get',
    path: '/emails',
    operationId: 'listEmails',
    tag: 'Emails',
    summary: 'List the emails the engine sent, newest first',
    query: paged,
    success: { status: 200, description: 'One page of emails', schema: responses.emailListSchema },
  },
  {
    method: 'get',
    path: '/emails/:id',
    operationId: 'getEmail',
    tag: 'Emails',
    summary: 'Get an email with its body',
    success: { status: 200, description: 'The email', schema: responses.emailSchema },
  },
];

/** The operations that serve this document; they need no API key. */
const documentationOperations: Operation[] = [
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tag: 'Documentation',
    summary: 'Get this OpenAPI 3.1 document',
    authenticated: false,
    success: { status: 200, description: 'The OpenAPI document', schema: responses.openApiDocumentSchema },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getApiDocs',
    tag: 'Documentation',
    summary: 'Read this document as an HTML page',
    authenticated: false,
    success: { status: 200, description: 'An HTML page', schema: responses.htmlPageSchema, contentType: 'text/html' },
  },
];

/**
 * Form fields of the unsubscribe page and of one-click unsubscribe (RFC 8058).
 * The route reads them from the form itself; this schema only documents them.
 */
const unsubscribeForm = z.object({
  'List-Unsubscribe': z.literal('One-Click').optional().meta({ description: 'One-click unsubscribe, as mail clients send it' }),
  action: z.literal('preferences').optional().meta({ description: 'Saves the topic choices of the unsubscribe page' }),
  topic: z.union([z.string(), z.array(z.string())]).optional().meta({ description: 'Ids of the topics the contact keeps' }),
});

/** The pages behind the links in emails; the signed token in the path authenticates them. */
const unsubscribeOperations: Operation[] = [
  {
    method: 'get',
    path: '/unsubscribe/:token',
    operationId: 'getUnsubscribePage',
    tag: 'Unsubscribe',
    summary: 'Show the unsubscribe page of a contact',
    authenticated: false,
    errorStatuses: ['404', '500'],
    success: { status: 200, description: 'An HTML page; an invalid link gets a 404 page', schema: responses.htmlPageSchema, contentType: 'text/html' },
  },
  {
    method: 'post',
    path: '/unsubscribe/:token',
    operationId: 'unsubscribe',
    tag: 'Unsubscribe',
    summary: 'Unsubscribe, or save topic choices',
    authenticated: false,
    body: unsubscribeForm,
    bodyContentType: 'application/x-www-form-urlencoded',
    errorStatuses: ['400', '404', '413', '500'],
    success: { status: 200, description: 'An HTML page confirming the change', schema: responses.htmlPageSchema, contentType: 'text/html' },
  },
];

export const OPERATIONS: readonly Operation[] = [
  ...automationOperations,
  ...eventOperations,
  ...contactOperations,
  ...segmentOperations,
  ...topicOperations,
  ...templateOperations,
  ...emailOperations,
  ...unsubscribeOperations,
  ...documentationOperations,
];
