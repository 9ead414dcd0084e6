/**
 * Automation graph types as they travel on the wire and are stored: snake_case
 * config keys, exactly as Resend's Automations API spells them.
 */

export const STEP_TYPES = [
  'trigger',
  'send_email',
  'delay',
  'wait_for_event',
  'condition',
  'contact_update',
  'contact_delete',
  'add_to_segment',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const CONNECTION_TYPES = [
  'default',
  'condition_met',
  'condition_not_met',
  'timeout',
  'event_received',
] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

/** Connection types each step type may have as outgoing edges. */
export const ALLOWED_OUTGOING: Record<StepType, readonly ConnectionType[]> = {
  trigger: ['default'],
  send_email: ['default'],
  delay: ['default'],
  wait_for_event: ['event_received', 'timeout'],
  condition: ['condition_met', 'condition_not_met'],
  contact_update: ['default'],
  contact_delete: [],
  add_to_segment: ['default'],
};

export type Scalar = string | number | boolean | null;

/** A reference to a value known only while the run executes. */
export interface VarRef {
  var: string;
}

export type RuleOperator =
  | 'eq'
  | 'neq'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'contains'
  | 'starts_with'
  | 'ends_with'
  | 'exists'
  | 'is_empty';

export type Rule =
  | { type: 'rule'; field: string; operator: RuleOperator; value?: Scalar }
  | { type: 'and' | 'or'; rules: Rule[] };

/** A template variable value: a literal, a reference, or a small literal structure. */
export type TemplateVariableValue =
  | Scalar
  | VarRef
  | Record<string, string | number | boolean>
  | Array<string | number | boolean | Record<string, string | number | boolean>>;

export interface TriggerConfig {
  event_name: string;
}
export interface SendEmailConfig {
  template: { id: string; variables?: Record<string, TemplateVariableValue> };
  subject?: string;
  from?: string;
  reply_to?: string | string[];
  topic_id?: string;
}
export interface DelayConfig {
  duration: string;
}
export interface WaitForEventConfig {
  event_name: string;
  timeout?: string;
  filter_rule?: Rule;
}
export type ConditionConfig = Rule;
export interface ContactUpdateConfig {
  first_name?: string | null | VarRef;
  last_name?: string | null | VarRef;
  unsubscribed?: boolean | VarRef;
  properties?: Record<string, Scalar | VarRef>;
}
export type ContactDeleteConfig = Record<string, never>;
export interface AddToSegmentConfig {
  segment_id: string;
}

export type Step =
  | { key: string; type: 'trigger'; config: TriggerConfig }
  | { key: string; type: 'send_email'; config: SendEmailConfig }
  | { key: string; type: 'delay'; config: DelayConfig }
  | { key: string; type: 'wait_for_event'; config: WaitForEventConfig }
  | { key: string; type: 'condition'; config: ConditionConfig }
  | { key: string; type: 'contact_update'; config: ContactUpdateConfig }
  | { key: string; type: 'contact_delete'; config: ContactDeleteConfig }
  | { key: string; type: 'add_to_segment'; config: AddToSegmentConfig };

export interface Connection {
  from: string;
  to: string;
  type: ConnectionType;
}

export interface AutomationGraph {
  steps: Step[];
  connections: Connection[];
}

export function isVarRef(value: unknown): value is VarRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { var?: unknown }).var === 'string'
  );
}

/** Returns the trigger step of a graph that passed validation. */
export function findTrigger(graph: AutomationGraph): Extract<Step, { type: 'trigger' }> {
  const trigger = graph.steps.find((step) => step.type === 'trigger');
  if (!trigger || trigger.type !== 'trigger') throw new Error('automation graph has no trigger step');
  return trigger;
}

/** Returns the step that follows `from` along a connection of `type`, if any. */
export function nextStep(graph: AutomationGraph, from: string, type: ConnectionType): Step | undefined {
  const connection = graph.connections.find((c) => c.from === from && c.type === type);
  return connection ? graph.steps.find((step) => step.key === connection.to) : undefined;
}
