/**
 * Zod schemas of the API's response bodies, for the OpenAPI document only:
 * the serializers build the responses. The type checks at the end of this
 * file fail to compile when a serializer and its schema disagree on a field.
 */
import { z } from 'zod';
import { CONTACT_PROPERTY_TYPES } from '../../domain/contact-properties.js';
import { EVENT_FIELD_TYPES } from '../../domain/event-schema.js';
import { STEP_TYPES } from '../../domain/graph.js';
import { STEP_STATUSES } from '../../domain/metrics.js';
import { RUN_STATUSES } from '../../domain/run-state.js';
import type { automationListItem, automationObject } from '../serializers/automations.js';
import type { contactPropertyListItem, contactPropertyObject } from '../serializers/contact-properties.js';
import type { contactListItem, contactObject } from '../serializers/contacts.js';
import type { emailListItem, emailObject } from '../serializers/emails.js';
import type { eventListItem, eventObject } from '../serializers/events.js';
import type { automationMetricsObject } from '../serializers/metrics.js';
import type { runListItem, runObject } from '../serializers/runs.js';
import type { segmentListItem, segmentObject } from '../serializers/segments.js';
import type { templateListItem, templateObject } from '../serializers/templates.js';
import type { contactTopicItem, topicListItem, topicObject } from '../serializers/topics.js';

/** Schemas that the OpenAPI document lists under `components.schemas`, by name. */
export const componentSchemas = z.registry<{ id: string }>();

function component<S extends z.ZodType>(id: string, schema: S): S {
  componentSchemas.add(schema, { id });
  return schema;
}

const id = z.string().meta({ format: 'uuid' });
const timestamp = z.string().meta({ description: 'UTC timestamp such as 2026-10-01 12:00:00.000000+00' });
const subscription = z.enum(['opt_in', 'opt_out']);
const stepType = z.enum(STEP_TYPES);

/**
 * A step's `config` exactly as stored. The OpenAPI document describes it as
 * an object and refers to the Step schema, which documents each type's config.
 */
export const stepConfigPlaceholder = z.unknown();

export const errorResponse = component(
  'Error',
  z.object({
    name: z.string().meta({ description: 'Error code such as validation_error, not_found or invalid_api_key' }),
    statusCode: z.number().int(),
    message: z.string().meta({ description: 'What failed, on which field, and what was expected' }),
  }),
);

/** Builds the list envelope of a resource list. */
function listOf(itemName: string, item: z.ZodType) {
  return component(
    `${itemName}List`,
    z.object({ object: z.literal('list'), has_more: z.boolean(), data: z.array(item) }),
  );
}

// Automations and runs

export const automationListItemSchema = component(
  'AutomationListItem',
  z.object({
    id,
    name: z.string(),
    status: z.enum(['enabled', 'disabled']),
    created_at: timestamp,
    updated_at: timestamp,
  }),
);

export const automationSchema = component(
  'Automation',
  z.object({
    object: z.literal('automation'),
    ...automationListItemSchema.shape,
    steps: z.array(z.object({ key: z.string(), type: stepType, config: stepConfigPlaceholder })),
    connections: z.array(z.object({ from: z.string(), to: z.string(), type: z.string() })),
  }),
);

export const automationListSchema = listOf('Automation', automationListItemSchema);

export const runListItemSchema = component(
  'RunListItem',
  z.object({
    id,
    status: z.enum(RUN_STATUSES),
    started_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
    created_at: timestamp,
  }),
);

export const runSchema = component(
  'Run',
  z.object({
    object: z.literal('automation_run'),
    id,
    automation_id: id,
    contact_id: id,
    trigger: z.object({ event: z.string(), payload: z.record(z.string(), z.unknown()) }),
    status: z.enum(RUN_STATUSES),
    started_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
    created_at: timestamp,
    steps: z.array(
      z.object({
        key: z.string(),
        type: stepType,
        status: z.enum(STEP_STATUSES),
        output: z.record(z.string(), z.unknown()).nullable(),
        error: z.object({ name: z.string(), message: z.string() }).nullable(),
        started_at: timestamp.nullable(),
        completed_at: timestamp.nullable(),
        created_at: timestamp,
      }),
    ),
  }),
);

export const runListSchema = listOf('Run', runListItemSchema);

const stepCounts = z.object(Object.fromEntries(STEP_STATUSES.map((status) => [status, z.number().int()])) as Record<(typeof STEP_STATUSES)[number], z.ZodNumber>);

export const automationMetricsSchema = component(
  'AutomationMetrics',
  z.object({
    object: z.literal('automation_metrics'),
    automation_id: id,
    from: timestamp,
    to: timestamp,
    runs: z.object({
      total: z.number().int(),
      running: z.number().int(),
      completed: z.number().int(),
      failed: z.number().int(),
      cancelled: z.number().int(),
      skipped: z.number().int(),
    }),
    steps: z.array(z.object({ key: z.string(), type: stepType, counts: stepCounts })),
    emails: z.object({ sent: z.number().int(), skipped: z.number().int() }),
    duration_ms: z.object({
      median: z.number().nullable().meta({ description: 'Median run duration; the mean of the two middle values for an even count' }),
      p95: z.number().nullable().meta({ description: '95th percentile of run durations, by the nearest-rank method' }),
    }),
  }),
);

// Templates

export const templateListItemSchema = component(
  'TemplateListItem',
  z.object({
    id,
    name: z.string(),
    alias: z.string().nullable(),
    status: z.enum(['draft', 'published']),
    published_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  }),
);

export const templateSchema = component(
  'Template',
  z.object({
    object: z.literal('template'),
    ...templateListItemSchema.shape,
    subject: z.string().nullable(),
    html: z.string(),
    text: z.string().nullable(),
    from: z.string().nullable(),
    reply_to: z.array(z.string()).nullable(),
    variables: z.array(
      z.object({
        key: z.string(),
        type: z.enum(['string', 'number']),
        fallback_value: z.union([z.string(), z.number()]).nullable(),
        created_at: timestamp,
        updated_at: timestamp,
      }),
    ),
    current_version_id: z.string(),
    has_unpublished_versions: z.boolean(),
  }),
);

export const templateListSchema = listOf('Template', templateListItemSchema);

// Contacts, segments, topics and contact properties

export const contactListItemSchema = component(
  'ContactListItem',
  z.object({
    id,
    email: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    unsubscribed: z.boolean(),
    created_at: timestamp,
  }),
);

const propertyView = z.discriminatedUnion('type', [
  z.object({ type: z.literal('string'), value: z.string() }),
  z.object({ type: z.literal('number'), value: z.number() }),
  z.object({ type: z.literal('boolean'), value: z.boolean() }),
]);

export const contactSchema = component(
  'Contact',
  z.object({
    object: z.literal('contact'),
    ...contactListItemSchema.shape,
    properties: z.record(z.string(), propertyView),
  }),
);

export const contactListSchema = listOf('Contact', contactListItemSchema);

export const segmentListItemSchema = component('SegmentListItem', z.object({ id, name: z.string(), created_at: timestamp }));

export const segmentSchema = component('Segment', z.object({ object: z.literal('segment'), ...segmentListItemSchema.shape }));

export const segmentListSchema = listOf('Segment', segmentListItemSchema);

export const topicListItemSchema = component(
  'TopicListItem',
  z.object({
    id,
    name: z.string(),
    description: z.string().nullable(),
    default_subscription: subscription,
    created_at: timestamp,
  }),
);

export const topicSchema = component('Topic', z.object({ object: z.literal('topic'), ...topicListItemSchema.shape }));

export const topicListSchema = listOf('Topic', topicListItemSchema);

export const contactTopicSchema = component(
  'ContactTopic',
  z.object({ id, name: z.string(), description: z.string().nullable(), subscription }),
);

export const contactTopicListSchema = listOf('ContactTopic', contactTopicSchema);

export const contactPropertyListItemSchema = component(
  'ContactPropertyListItem',
  z.object({
    id,
    key: z.string(),
    type: z.enum(CONTACT_PROPERTY_TYPES),
    fallback_value: z.union([z.string(), z.number()]).nullable(),
    created_at: timestamp,
  }),
);

export const contactPropertySchema = component(
  'ContactProperty',
  z.object({ object: z.literal('contact_property'), ...contactPropertyListItemSchema.shape }),
);

export const contactPropertyListSchema = listOf('ContactProperty', contactPropertyListItemSchema);

// Events and emails

export const eventListItemSchema = component(
  'EventListItem',
  z.object({
    id,
    name: z.string(),
    schema: z.record(z.string(), z.enum(EVENT_FIELD_TYPES)).nullable(),
    created_at: timestamp,
    updated_at: timestamp.nullable(),
  }),
);

export const eventSchema = component('Event', z.object({ object: z.literal('event'), ...eventListItemSchema.shape }));

export const eventListSchema = listOf('Event', eventListItemSchema);

export const eventSentSchema = component('EventSent', z.object({ object: z.literal('event'), event: z.string() }));

export const emailListItemSchema = component(
  'EmailListItem',
  z.object({
    id,
    to: z.array(z.string()),
    from: z.string(),
    subject: z.string(),
    reply_to: z.array(z.string()).nullable(),
    cc: z.null(),
    bcc: z.null(),
    message_id: z.string(),
    last_event: z.enum(['sent', 'queued']),
    scheduled_at: z.null(),
    created_at: timestamp,
    sent_at: timestamp.nullable(),
    topic_id: z.string().nullable(),
    automation_id: id,
    run_id: id,
    step_key: z.string(),
    contact_id: id,
    template_id: z.string(),
  }),
);

export const emailSchema = component(
  'Email',
  z.object({ object: z.literal('email'), ...emailListItemSchema.shape, html: z.string(), text: z.string().nullable() }),
);

export const emailListSchema = listOf('Email', emailListItemSchema);

// Results of writes

const objectName = z.string().meta({ description: 'Type of the object, such as "automation" or "contact"' });

export const writeResultSchema = component('WriteResult', z.object({ object: objectName, id }));

export const deleteResultSchema = component('DeleteResult', z.object({ object: objectName, id, deleted: z.literal(true) }));

export const contactDeleteResultSchema = component(
  'ContactDeleteResult',
  z.object({ object: z.literal('contact'), contact: id, deleted: z.literal(true) }),
);

export const segmentCreateResultSchema = component(
  'SegmentCreateResult',
  z.object({ object: z.literal('segment'), id, name: z.string() }),
);

export const segmentMembershipSchema = component(
  'SegmentMembership',
  z.object({ object: z.literal('segment'), id, contact_id: id, deleted: z.literal(true).optional() }),
);

export const automationStopResultSchema = component(
  'AutomationStopResult',
  z.object({ object: z.literal('automation'), id, status: z.literal('disabled') }),
);

// Documentation endpoints

export const openApiDocumentSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });

export const htmlPageSchema = z.string();

// Compile-time checks: each serializer's output fits its schema, and both have the same top-level fields.

type Fits<Serialized, Schema extends z.ZodType> = [Serialized] extends [z.output<Schema>]
  ? [keyof Serialized] extends [keyof z.output<Schema>]
    ? [keyof z.output<Schema>] extends [keyof Serialized]
      ? true
      : false
    : false
  : false;
type Assert<T extends true> = T;
type Out<F extends (...args: never[]) => unknown> = ReturnType<F>;

export type SerializerChecks = [
  Assert<Fits<Out<typeof automationListItem>, typeof automationListItemSchema>>,
  Assert<Fits<Out<typeof automationObject>, typeof automationSchema>>,
  Assert<Fits<Out<typeof runListItem>, typeof runListItemSchema>>,
  Assert<Fits<Out<typeof runObject>, typeof runSchema>>,
  Assert<Fits<Out<typeof automationMetricsObject>, typeof automationMetricsSchema>>,
  Assert<Fits<Out<typeof templateListItem>, typeof templateListItemSchema>>,
  Assert<Fits<Out<typeof templateObject>, typeof templateSchema>>,
  Assert<Fits<Out<typeof contactListItem>, typeof contactListItemSchema>>,
  Assert<Fits<Out<typeof contactObject>, typeof contactSchema>>,
  Assert<Fits<Out<typeof segmentListItem>, typeof segmentListItemSchema>>,
  Assert<Fits<Out<typeof segmentObject>, typeof segmentSchema>>,
  Assert<Fits<Out<typeof topicListItem>, typeof topicListItemSchema>>,
  Assert<Fits<Out<typeof topicObject>, typeof topicSchema>>,
  Assert<Fits<Out<typeof contactTopicItem>, typeof contactTopicSchema>>,
  Assert<Fits<Out<typeof contactPropertyListItem>, typeof contactPropertyListItemSchema>>,
  Assert<Fits<Out<typeof contactPropertyObject>, typeof contactPropertySchema>>,
  Assert<Fits<Out<typeof eventListItem>, typeof eventListItemSchema>>,
  Assert<Fits<Out<typeof eventObject>, typeof eventSchema>>,
  Assert<Fits<Out<typeof emailListItem>, typeof emailListItemSchema>>,
  Assert<Fits<Out<typeof emailObject>, typeof emailSchema>>,
];
