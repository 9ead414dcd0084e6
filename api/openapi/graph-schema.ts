/**
 * JSON Schemas of automation steps and connections for the OpenAPI document.
 * The request schemas accept any array items, because validateAutomationGraph
 * checks steps and connections with messages that name the step. These
 * schemas describe the same rules for readers and client generators.
 */
import { ALLOWED_OUTGOING, CONNECTION_TYPES, STEP_TYPES } from '../../domain/graph.js';
import type { StepType } from '../../domain/graph.js';

export type JsonSchema = { [keyword: string]: unknown };

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

const DURATION: JsonSchema = {
  type: 'string',
  description: 'A positive whole number and a unit, at most 30 days: "30 seconds", "2 hours", "3 days", "1 week", "15m"',
  examples: ['1 hour'],
};

const VAR_REF: JsonSchema = {
  type: 'object',
  description: 'A value read while the run executes: event.<field>, contact.<field> or wait_events.<event name>.<field>',
  properties: { var: { type: 'string', examples: ['event.plan'] } },
  required: ['var'],
  additionalProperties: false,
};

const SCALAR: JsonSchema = { type: ['string', 'number', 'boolean', 'null'] };

const RULE: JsonSchema = {
  description: 'A rule on one field, or an `and`/`or` group of rules',
  oneOf: [
    {
      type: 'object',
      properties: {
        type: { const: 'rule' },
        field: { type: 'string', description: 'Starts with `event.` or `contact.`', examples: ['event.amount'] },
        operator: {
          enum: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'starts_with', 'ends_with', 'exists', 'is_empty'],
        },
        value: { ...SCALAR, description: 'Absent for `exists` and `is_empty`' },
      },
      required: ['type', 'field', 'operator'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        type: { enum: ['and', 'or'] },
        rules: { type: 'array', minItems: 1, items: ref('Rule') },
      },
      required: ['type', 'rules'],
      additionalProperties: false,
    },
  ],
};

const SEND_EMAIL_CONFIG: JsonSchema = {
  type: 'object',
  properties: {
    template: {
      type: 'object',
      properties: {
        id: { type: 'string', description: 'Template id or alias; the template must be published when the step runs' },
        variables: {
          type: 'object',
          description: 'Template variables: literals or { "var": ... } references',
          additionalProperties: true,
        },
      },
      required: ['id'],
      additionalProperties: false,
    },
    subject: { type: 'string' },
    from: { type: 'string' },
    reply_to: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 50 }] },
    topic_id: { type: 'string', description: 'Contacts opted out of this topic are skipped' },
  },
  required: ['template'],
  additionalProperties: false,
};

const nameUpdate: JsonSchema = { anyOf: [{ type: ['string', 'null'] }, ref('VarRef')] };

const CONFIGS: Record<StepType, JsonSchema> = {
  trigger: {
    type: 'object',
    properties: { event_name: { type: 'string', examples: ['user.created'] } },
    required: ['event_name'],
    additionalProperties: false,
  },
  send_email: SEND_EMAIL_CONFIG,
  delay: {
    type: 'object',
    properties: { duration: DURATION },
    required: ['duration'],
    additionalProperties: false,
  },
  wait_for_event: {
    type: 'object',
    properties: {
      event_name: { type: 'string' },
      timeout: { ...DURATION, description: 'Default 30 days' },
      filter_rule: ref('Rule'),
    },
    required: ['event_name'],
    additionalProperties: false,
  },
  condition: ref('Rule'),
  contact_update: {
    type: 'object',
    properties: {
      first_name: nameUpdate,
      last_name: nameUpdate,
      unsubscribed: { anyOf: [{ type: 'boolean' }, ref('VarRef')] },
      properties: { type: 'object', additionalProperties: { anyOf: [SCALAR, ref('VarRef')] } },
    },
    minProperties: 1,
    additionalProperties: false,
  },
  contact_delete: { type: 'object', maxProperties: 0 },
  add_to_segment: {
    type: 'object',
    properties: { segment_id: { type: 'string', format: 'uuid' } },
    required: ['segment_id'],
    additionalProperties: false,
  },
};

function stepOfType(type: StepType): JsonSchema {
  const outgoing = ALLOWED_OUTGOING[type];
  return {
    type: 'object',
    title: type,
    description: outgoing.length === 0 ? 'No outgoing connections' : `Outgoing connections: ${outgoing.join(', ')}`,
    properties: {
      key: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,100}$' },
      type: { const: type },
      config: CONFIGS[type],
    },
    required: ['key', 'type', 'config'],
    additionalProperties: false,
  };
}

/** Component schemas for the automation graph, keyed by component name. */
export const graphSchemas: Record<string, JsonSchema> = {
  Step: { oneOf: STEP_TYPES.map(stepOfType) },
  Connection: {
    type: 'object',
    properties: {
      from: { type: 'string', description: 'Key of the step the connection leaves' },
      to: { type: 'string', description: 'Key of the step the connection enters' },
      type: { enum: [...CONNECTION_TYPES], default: 'default' },
    },
    required: ['from', 'to'],
    additionalProperties: false,
  },
  Rule: RULE,
  VarRef: VAR_REF,
};
