/**
 * Validation of an automation graph as it arrives on create and update:
 * every step config, every connection, and the shape of the graph. A valid
 * input comes back rebuilt with only known fields, ready to store.
 */
import {
  ALLOWED_OUTGOING,
  CONNECTION_TYPES,
  STEP_TYPES,
  type AddToSegmentConfig,
  type AutomationGraph,
  type ConditionConfig,
  type Connection,
  type ConnectionType,
  type ContactDeleteConfig,
  type ContactUpdateConfig,
  type DelayConfig,
  type Rule,
  type RuleOperator,
  type Scalar,
  type SendEmailConfig,
  type Step,
  type StepType,
  type TemplateVariableValue,
  type TriggerConfig,
  type VarRef,
  type WaitForEventConfig,
} from './graph.js';
import { DurationError, parseDuration } from './duration.js';

export const MAX_STEPS = 150;
/** Each step has at most two outgoing connection types, so more connections cannot be valid. */
export const MAX_CONNECTIONS = 2 * MAX_STEPS;
export const MAX_RULE_DEPTH = 10;

// Step keys become part of email idempotency keys (`<runId>:<stepKey>`) and
// of messages, so they are kept to characters that need no escaping.
// Contact property names follow Resend's rule: letters, digits and "_", at most 50.
const STEP_KEY_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
const TEMPLATE_VARIABLE_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const CONTACT_PROPERTY_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;

// NOTE: the limits below are chosen here to stop abuse and may differ from
// Resend's own limits.
const MAX_EVENT_NAME_LENGTH = 200;
const MAX_ID_LENGTH = 256;
const MAX_NAME_LENGTH = 256;
// RFC 5322 limits a header line to 998 characters.
const MAX_HEADER_LENGTH = 998;
const MAX_PATH_LENGTH = 300;
const MAX_TEXT_LENGTH = 10_000;
const MAX_RULES_PER_GROUP = 50;
const MAX_LITERAL_ENTRIES = 100;
const MAX_REPLY_TO_ADDRESSES = 50;

const RULE_OPERATORS: readonly RuleOperator[] = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'starts_with',
  'ends_with',
  'exists',
  'is_empty',
];
const NUMBER_OPERATORS: readonly RuleOperator[] = ['gt', 'gte', 'lt', 'lte'];
const STRING_OPERATORS: readonly RuleOperator[] = ['contains', 'starts_with', 'ends_with'];
const NO_VALUE_OPERATORS: readonly RuleOperator[] = ['exists', 'is_empty'];

const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

export type GraphValidationErrorName = 'validation_error' | 'missing_required_field' | 'invalid_parameter';

/** Ids the graph refers to, each listed once, so the API can check that they exist. */
export interface GraphReferences {
  templateIds: string[];
  segmentIds: string[];
  topicIds: string[];
}

export type GraphValidationResult =
  | { ok: true; graph: AutomationGraph; references: GraphReferences }
  | { ok: false; error: { name: GraphValidationErrorName; message: string } };

class InvalidGraphError extends Error {
  constructor(
    readonly code: GraphValidationErrorName,
    message: string,
  ) {
    super(message);
  }
}

/** Position of a value for messages: the step or connection, and the path inside it. */
interface Location {
  owner: string;
  path: string;
}

function at(location: Location, key: string | number): Location {
  const path = typeof key === 'number' ? `${location.path}[${key}]` : `${location.path}.${key}`;
  return { owner: location.owner, path };
}

function label(location: Location): string {
  return location.owner ? `${location.owner}: ${location.path}` : location.path;
}

function invalid(location: Location, expected: string): never {
  throw new InvalidGraphError('validation_error', `${label(location)} ${expected}`);
}

function missing(location: Location): never {
  throw new InvalidGraphError('missing_required_field', `${label(location)} is required`);
}

// Quoted user input is cut to this length so an oversized value cannot flood a response.
const MAX_QUOTED_LENGTH = 60;

/** Quotes user input for a message, escaping quotes and control characters. */
function quote(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}...` : text);
}

function quoteList(values: readonly string[]): string {
  return values.map(quote).join(', ');
}

// ---------------------------------------------------------------------------
// Primitive values

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Rejects keys that MongoDB would read as operators or paths, and keys that reach object prototypes. */
function checkKey(location: Location, key: string): void {
  if (key.startsWith('$') || key.includes('.')) {
    invalid(location, `has an invalid field name ${JSON.stringify(key)}: field names cannot start with "$" or contain "."`);
  }
  if (FORBIDDEN_KEYS.includes(key)) {
    invalid(location, `has an invalid field name "${key}"`);
  }
  if (key.includes('\0')) {
    invalid(location, 'has a field name that contains a NUL character');
  }
}

/**
 * Reads a plain object whose field names are all in `allowed`. Fields set to
 * undefined count as absent, as they would after a JSON round trip.
 */
function readObject(value: unknown, location: Location, allowed: readonly string[] | 'any'): Record<string, unknown> {
  if (!isPlainObject(value)) invalid(location, 'must be an object');

  const fields: Record<string, unknown> = {};
  for (const [key, fieldValue] of Object.entries(value)) {
    if (fieldValue === undefined) continue;
    checkKey(location, key);
    if (allowed !== 'any' && !allowed.includes(key)) {
      const expected = allowed.length === 0 ? 'no fields' : `only ${allowed.join(', ')}`;
      invalid(location, `has unknown field ${quote(key)}: expected ${expected}`);
    }
    fields[key] = fieldValue;
  }
  return fields;
}

function requireField(fields: Record<string, unknown>, key: string, location: Location): unknown {
  const value = fields[key];
  if (value === undefined) missing(at(location, key));
  return value;
}

interface StringRules {
  maxLength: number;
  /** Rejects line breaks, for values that end up in mail headers. */
  singleLine?: boolean;
  allowEmpty?: boolean;
}

function readString(value: unknown, location: Location, rules: StringRules): string {
  const kind = rules.allowEmpty ? 'a string' : 'a non-empty string';
  if (typeof value !== 'string') invalid(location, `must be ${kind}`);
  if (!rules.allowEmpty && value.trim() === '') invalid(location, `must be ${kind}`);
  if (value.length > rules.maxLength) invalid(location, `must be at most ${rules.maxLength} characters long`);
  if (value.includes('\0')) invalid(location, 'must not contain a NUL character');
  if (rules.singleLine && /[\r\n]/.test(value)) invalid(location, 'must not contain line breaks');
  return value;
}

function readPrimitive(value: unknown, location: Location, expected: string): string | number | boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) invalid(location, 'must be a finite number');
    return value;
  }
  if (typeof value === 'string') return readString(value, location, { maxLength: MAX_TEXT_LENGTH, allowEmpty: true });
  return invalid(location, expected);
}

function readScalar(value: unknown, location: Location): Scalar {
  if (value === null) return null;
  return readPrimitive(value, location, 'must be a string, number, boolean or null');
}

function readDuration(value: unknown, location: Location): string {
  const text = readString(value, location, { maxLength: MAX_ID_LENGTH });
  try {
    parseDuration(text);
  } catch (error) {
    if (error instanceof DurationError) {
      throw new InvalidGraphError('validation_error', `${label(location)} has an ${error.message}`);
    }
    throw error;
  }
  return text.trim();
}

// ---------------------------------------------------------------------------
// Variable references

/** Returns whether a dotted path has an empty segment, as in "event..total" or "event.". */
function hasEmptySegment(path: string): boolean {
  return path.split('.').some((segment) => segment === '');
}

/**
 * Reads `{ var: "<path>" }`. A `wait_events.<event name>.<field>` path must
 * name the event of one of the graph's wait_for_event steps.
 */
function readVarRef(value: Record<string, unknown>, location: Location, waitEventNames: readonly string[]): VarRef {
  const fields = readObject(value, location, ['var']);
  const varLocation = at(location, 'var');
  const path = readString(requireField(fields, 'var', location), varLocation, { maxLength: MAX_PATH_LENGTH });

  if (path.startsWith('event.') || path.startsWith('contact.')) {
    if (hasEmptySegment(path)) invalid(varLocation, `has an empty segment in ${quote(path)}`);
    return { var: path };
  }

  if (path.startsWith('wait_events.')) {
    const rest = path.slice('wait_events.'.length);
    const name = [...waitEventNames].sort((a, b) => b.length - a.length).find((candidate) => rest.startsWith(`${candidate}.`));
    if (name === undefined) {
      const known = waitEventNames.length === 0 ? 'this automation has no wait_for_event step' : `events waited for: ${quoteList(waitEventNames)}`;
      invalid(varLocation, `${quote(path)} must name the event of a wait_for_event step followed by a field, but ${known}`);
    }
    if (hasEmptySegment(rest.slice(name.length + 1))) invalid(varLocation, `${quote(path)} must name a field after the event name`);
    return { var: path };
  }

  return invalid(varLocation, `${quote(path)} must start with "event.", "contact." or "wait_events."`);
}

function isVarRefAttempt(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, 'var');
}

// ---------------------------------------------------------------------------
// Template variables

type LiteralRecord = Record<string, string | number | boolean>;

function readLiteralItem(value: unknown, location: Location): string | number | boolean {
  return readPrimitive(value, location, 'must be a string, number or boolean');
}

function readLiteralRecord(value: unknown, location: Location): LiteralRecord {
  const fields = readObject(value, location, 'any');
  const entries = Object.entries(fields);
  if (entries.length > MAX_LITERAL_ENTRIES) invalid(location, `must have at most ${MAX_LITERAL_ENTRIES} fields`);
  return Object.fromEntries(entries.map(([key, item]) => [key, readLiteralItem(item, at(location, key))]));
}

function readTemplateVariableValue(value: unknown, location: Location, waitEventNames: readonly string[]): TemplateVariableValue {
  if (isVarRefAttempt(value)) return readVarRef(value, location, waitEventNames);
  if (isPlainObject(value)) return readLiteralRecord(value, location);

  if (Array.isArray(value)) {
    if (value.length > MAX_LITERAL_ENTRIES) invalid(location, `must have at most ${MAX_LITERAL_ENTRIES} items`);
    return value.map((item, index) => {
      const itemLocation = at(location, index);
      return isPlainObject(item) ? readLiteralRecord(item, itemLocation) : readLiteralItem(item, itemLocation);
    });
  }

  return readScalar(value, location);
}

function readTemplateVariables(
  value: unknown,
  location: Location,
  waitEventNames: readonly string[],
): Record<string, TemplateVariableValue> {
  const fields = readObject(value, location, 'any');
  const variables: Record<string, TemplateVariableValue> = {};
  for (const [key, item] of Object.entries(fields)) {
    if (!TEMPLATE_VARIABLE_KEY_PATTERN.test(key)) {
      invalid(location, `has an invalid variable name ${quote(key)}: use a letter or "_" followed by up to 63 letters, digits or "_"`);
    }
    variables[key] = readTemplateVariableValue(item, at(location, key), waitEventNames);
  }
  return variables;
}

// ---------------------------------------------------------------------------
// Rule trees

function readFieldPath(value: unknown, location: Location): string {
  const field = readString(value, location, { maxLength: MAX_PATH_LENGTH });
  if (!field.startsWith('event.') && !field.startsWith('contact.')) {
    invalid(location, `${quote(field)} must start with "event." or "contact."`);
  }
  if (hasEmptySegment(field)) invalid(location, `${quote(field)} has an empty segment`);
  return field;
}

function readComparisonValue(fields: Record<string, unknown>, operator: RuleOperator, location: Location): Scalar | undefined {
  const valueLocation = at(location, 'value');
  const value = fields.value;

  if (NO_VALUE_OPERATORS.includes(operator)) {
    if (value !== undefined) invalid(valueLocation, `must be absent for operator "${operator}"`);
    return undefined;
  }
  if (value === undefined) missing(valueLocation);

  if (NUMBER_OPERATORS.includes(operator)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) invalid(valueLocation, `must be a number for operator "${operator}"`);
    return value;
  }
  if (STRING_OPERATORS.includes(operator)) {
    if (typeof value !== 'string') invalid(valueLocation, `must be a string for operator "${operator}"`);
    return readString(value, valueLocation, { maxLength: MAX_TEXT_LENGTH, allowEmpty: true });
  }
  return readScalar(value, valueLocation);
}

function readRule(value: unknown, location: Location, depth: number): Rule {
  if (depth > MAX_RULE_DEPTH) invalid(location, `nests rules more than ${MAX_RULE_DEPTH} levels deep`);
  if (!isPlainObject(value)) invalid(location, 'must be a rule object');

  const type = value.type;
  if (type === undefined) missing(at(location, 'type'));

  if (type === 'and' || type === 'or') {
    const fields = readObject(value, location, ['type', 'rules']);
    const rulesLocation = at(location, 'rules');
    const rules = requireField(fields, 'rules', location);
    if (!Array.isArray(rules) || rules.length === 0) invalid(rulesLocation, 'must be a non-empty array of rules');
    if (rules.length > MAX_RULES_PER_GROUP) invalid(rulesLocation, `must have at most ${MAX_RULES_PER_GROUP} rules`);
    return { type, rules: rules.map((rule, index) => readRule(rule, at(rulesLocation, index), depth + 1)) };
  }

  if (type !== 'rule') invalid(at(location, 'type'), 'must be "rule", "and" or "or"');

  const fields = readObject(value, location, ['type', 'field', 'operator', 'value']);
  const field = readFieldPath(requireField(fields, 'field', location), at(location, 'field'));
  const operator = requireField(fields, 'operator', location);
  if (typeof operator !== 'string' || !(RULE_OPERATORS as readonly string[]).includes(operator)) {
    invalid(at(location, 'operator'), `must be one of ${RULE_OPERATORS.join(', ')}`);
  }
  const ruleOperator = operator as RuleOperator;

  const comparisonValue = readComparisonValue(fields, ruleOperator, location);
  return comparisonValue === undefined
    ? { type: 'rule', field, operator: ruleOperator }
    : { type: 'rule', field, operator: ruleOperator, value: comparisonValue };
}

// ---------------------------------------------------------------------------
// Step configs

function readTriggerConfig(fields: Record<string, unknown>, location: Location): TriggerConfig {
  const eventName = readString(requireField(fields, 'event_name', location), at(location, 'event_name'), {
    maxLength: MAX_EVENT_NAME_LENGTH,
  });
  return { event_name: eventName };
}

function readSendEmailConfig(fields: Record<string, unknown>, location: Location, waitEventNames: readonly string[]): SendEmailConfig {
  const templateLocation = at(location, 'template');
  const templateFields = readObject(requireField(fields, 'template', location), templateLocation, ['id', 'variables']);
  const template: SendEmailConfig['template'] = {
    id: readString(requireField(templateFields, 'id', templateLocation), at(templateLocation, 'id'), { maxLength: MAX_ID_LENGTH }),
  };
  if (templateFields.variables !== undefined) {
    template.variables = readTemplateVariables(templateFields.variables, at(templateLocation, 'variables'), waitEventNames);
  }

  const config: SendEmailConfig = { template };
  const headerRules: StringRules = { maxLength: MAX_HEADER_LENGTH, singleLine: true };
  if (fields.subject !== undefined) config.subject = readString(fields.subject, at(location, 'subject'), headerRules);
  if (fields.from !== undefined) config.from = readString(fields.from, at(location, 'from'), headerRules);
  if (fields.reply_to !== undefined) config.reply_to = readReplyTo(fields.reply_to, at(location, 'reply_to'), headerRules);
  if (fields.topic_id !== undefined) config.topic_id = readString(fields.topic_id, at(location, 'topic_id'), { maxLength: MAX_ID_LENGTH });
  return config;
}

function readReplyTo(value: unknown, location: Location, rules: StringRules): string | string[] {
  if (!Array.isArray(value)) return readString(value, location, rules);
  if (value.length === 0 || value.length > MAX_REPLY_TO_ADDRESSES) {
    invalid(location, `must be a string or an array of 1 to ${MAX_REPLY_TO_ADDRESSES} strings`);
  }
  return value.map((address, index) => readString(address, at(location, index), rules));
}

function readDelayConfig(fields: Record<string, unknown>, location: Location): DelayConfig {
  return { duration: readDuration(requireField(fields, 'duration', location), at(location, 'duration')) };
}

function readWaitForEventConfig(fields: Record<string, unknown>, location: Location): WaitForEventConfig {
  const config: WaitForEventConfig = {
    event_name: readString(requireField(fields, 'event_name', location), at(location, 'event_name'), {
      maxLength: MAX_EVENT_NAME_LENGTH,
    }),
  };
  if (fields.timeout !== undefined) config.timeout = readDuration(fields.timeout, at(location, 'timeout'));
  if (fields.filter_rule !== undefined) config.filter_rule = readRule(fields.filter_rule, at(location, 'filter_rule'), 1);
  return config;
}

function readNameUpdate(value: unknown, location: Location, waitEventNames: readonly string[]): string | null | VarRef {
  if (value === null) return null;
  if (isVarRefAttempt(value)) return readVarRef(value, location, waitEventNames);
  if (typeof value !== 'string') invalid(location, 'must be a string, null or a { "var": ... } reference');
  return readString(value, location, { maxLength: MAX_NAME_LENGTH, allowEmpty: true });
}

function readContactUpdateConfig(
  fields: Record<string, unknown>,
  location: Location,
  waitEventNames: readonly string[],
): ContactUpdateConfig {
  if (Object.keys(fields).length === 0) {
    invalid(location, 'must set at least one of first_name, last_name, unsubscribed, properties');
  }

  const config: ContactUpdateConfig = {};
  if (fields.first_name !== undefined) config.first_name = readNameUpdate(fields.first_name, at(location, 'first_name'), waitEventNames);
  if (fields.last_name !== undefined) config.last_name = readNameUpdate(fields.last_name, at(location, 'last_name'), waitEventNames);

  if (fields.unsubscribed !== undefined) {
    const unsubscribedLocation = at(location, 'unsubscribed');
    if (isVarRefAttempt(fields.unsubscribed)) {
      config.unsubscribed = readVarRef(fields.unsubscribed, unsubscribedLocation, waitEventNames);
    } else if (typeof fields.unsubscribed === 'boolean') {
      config.unsubscribed = fields.unsubscribed;
    } else {
      invalid(unsubscribedLocation, 'must be a boolean or a { "var": ... } reference');
    }
  }

  if (fields.properties !== undefined) {
    config.properties = readPropertyUpdates(fields.properties, at(location, 'properties'), waitEventNames);
  }
  return config;
}

function readPropertyUpdates(value: unknown, location: Location, waitEventNames: readonly string[]): Record<string, Scalar | VarRef> {
  const fields = readObject(value, location, 'any');
  const properties: Record<string, Scalar | VarRef> = {};
  for (const [key, item] of Object.entries(fields)) {
    if (!CONTACT_PROPERTY_KEY_PATTERN.test(key)) {
      invalid(location, `has an invalid property name ${quote(key)}: use a letter or "_" followed by up to 49 letters, digits or "_"`);
    }
    const itemLocation = at(location, key);
    properties[key] = isVarRefAttempt(item) ? readVarRef(item, itemLocation, waitEventNames) : readScalar(item, itemLocation);
  }
  return properties;
}

function readAddToSegmentConfig(fields: Record<string, unknown>, location: Location): AddToSegmentConfig {
  return { segment_id: readString(requireField(fields, 'segment_id', location), at(location, 'segment_id'), { maxLength: MAX_ID_LENGTH }) };
}

/** Config fields of each step type. A condition's config is a rule tree, read by readRule. */
const CONFIG_FIELDS: Record<Exclude<StepType, 'condition'>, readonly string[]> = {
  trigger: ['event_name'],
  send_email: ['template', 'subject', 'from', 'reply_to', 'topic_id'],
  delay: ['duration'],
  wait_for_event: ['event_name', 'timeout', 'filter_rule'],
  contact_update: ['first_name', 'last_name', 'unsubscribed', 'properties'],
  contact_delete: [],
  add_to_segment: ['segment_id'],
};

function readStep(key: string, type: StepType, rawConfig: unknown, waitEventNames: readonly string[]): Step {
  const location: Location = { owner: `step "${key}"`, path: 'config' };
  if (type === 'condition') {
    return { key, type, config: readRule(rawConfig, location, 1) satisfies ConditionConfig };
  }

  const fields = readObject(rawConfig, location, CONFIG_FIELDS[type]);
  switch (type) {
    case 'trigger':
      return { key, type, config: readTriggerConfig(fields, location) };
    case 'send_email':
      return { key, type, config: readSendEmailConfig(fields, location, waitEventNames) };
    case 'delay':
      return { key, type, config: readDelayConfig(fields, location) };
    case 'wait_for_event':
      return { key, type, config: readWaitForEventConfig(fields, location) };
    case 'contact_update':
      return { key, type, config: readContactUpdateConfig(fields, location, waitEventNames) };
    case 'contact_delete':
      return { key, type, config: {} satisfies ContactDeleteConfig };
    case 'add_to_segment':
      return { key, type, config: readAddToSegmentConfig(fields, location) };
    default: {
      const unknownType: never = type;
      throw new Error(`unhandled step type ${String(unknownType)}`);
    }
  }
}

// ---------------------------------------------------------------------------
// Steps and connections

interface StepHeader {
  key: string;
  type: StepType;
  config: unknown;
}

/** Reads key and type of every step first, so configs can refer to other steps. */
function readStepHeaders(value: unknown): StepHeader[] {
  const root: Location = { owner: '', path: 'steps' };
  if (value === undefined) missing(root);
  if (!Array.isArray(value)) invalid(root, 'must be an array of steps');
  if (value.length === 0) invalid(root, 'must contain at least one step, the trigger');
  if (value.length > MAX_STEPS) invalid(root, `must contain at most ${MAX_STEPS} steps, got ${value.length}`);

  const firstIndexOfKey = new Map<string, number>();
  return value.map((rawStep, index) => {
    const location = at(root, index);
    const fields = readObject(rawStep, location, ['key', 'type', 'config']);

    const key = requireField(fields, 'key', location);
    if (typeof key !== 'string' || !STEP_KEY_PATTERN.test(key)) {
      invalid(at(location, 'key'), 'must be 1 to 100 letters, digits, "_" or "-"');
    }
    const earlier = firstIndexOfKey.get(key);
    if (earlier !== undefined) {
      invalid(root, `contain the key "${key}" twice, at steps[${earlier}] and steps[${index}]: step keys must be unique`);
    }
    firstIndexOfKey.set(key, index);

    const stepLocation: Location = { owner: `step "${key}"`, path: 'type' };
    const type = fields.type;
    if (type === undefined) missing(stepLocation);
    if (typeof type !== 'string' || !(STEP_TYPES as readonly string[]).includes(type)) {
      invalid(stepLocation, `must be one of ${STEP_TYPES.join(', ')}`);
    }

    const config = fields.config;
    if (config === undefined) missing({ owner: `step "${key}"`, path: 'config' });
    return { key, type: type as StepType, config };
  });
}

function readConnections(value: unknown, stepTypes: ReadonlyMap<string, StepType>): Connection[] {
  const root: Location = { owner: '', path: 'connections' };
  if (value === undefined) missing(root);
  if (!Array.isArray(value)) invalid(root, 'must be an array of connections');
  if (value.length > MAX_CONNECTIONS) invalid(root, `must contain at most ${MAX_CONNECTIONS} connections, got ${value.length}`);

  const seen = new Set<string>();
  return value.map((rawConnection, index) => {
    const location = at(root, index);
    const fields = readObject(rawConnection, location, ['from', 'to', 'type']);
    const from = readString(requireField(fields, 'from', location), at(location, 'from'), { maxLength: 100 });
    const to = readString(requireField(fields, 'to', location), at(location, 'to'), { maxLength: 100 });

    const owner: Location = { owner: `connection from ${quote(from)} to ${quote(to)}`, path: 'type' };
    const type = fields.type === undefined ? 'default' : fields.type;
    if (typeof type !== 'string' || !(CONNECTION_TYPES as readonly string[]).includes(type)) {
      invalid(owner, `must be one of ${CONNECTION_TYPES.join(', ')}`);
    }
    const connectionType = type as ConnectionType;

    const fromType = stepTypes.get(from);
    if (fromType === undefined) throw new InvalidGraphError('validation_error', `${owner.owner}: step ${quote(from)} does not exist`);
    if (!stepTypes.has(to)) throw new InvalidGraphError('validation_error', `${owner.owner}: step ${quote(to)} does not exist`);
    if (from === to) throw new InvalidGraphError('validation_error', `${owner.owner}: a step cannot connect to itself`);

    const allowed = ALLOWED_OUTGOING[fromType];
    if (!allowed.includes(connectionType)) {
      const expected = allowed.length === 0 ? `a ${fromType} step cannot have outgoing connections` : `a ${fromType} step allows only ${allowed.join(', ')}`;
      invalid(owner, `"${connectionType}" is not allowed: ${expected}`);
    }

    const slot = `${from}\n${connectionType}`;
    if (seen.has(slot)) {
      throw new InvalidGraphError('validation_error', `step "${from}" has more than one outgoing "${connectionType}" connection`);
    }
    seen.add(slot);

    return { from, to, type: connectionType };
  });
}

// ---------------------------------------------------------------------------
// Graph shape

function findSingleTrigger(steps: readonly StepHeader[]): string {
  const triggers = steps.filter((step) => step.type === 'trigger').map((step) => step.key);
  if (triggers.length === 0) throw new InvalidGraphError('validation_error', 'steps must contain exactly one trigger step, found none');
  if (triggers.length > 1) {
    throw new InvalidGraphError('validation_error', `steps must contain exactly one trigger step, found ${triggers.length}: ${quoteList(triggers)}`);
  }
  return triggers[0]!;
}

function outgoingByStep(steps: readonly StepHeader[], connections: readonly Connection[]): Map<string, string[]> {
  const outgoing = new Map<string, string[]>(steps.map((step) => [step.key, []]));
  for (const connection of connections) outgoing.get(connection.from)!.push(connection.to);
  return outgoing;
}

/** Returns the keys along one cycle, first key repeated at the end, or undefined when the graph is acyclic. */
function findCycle(steps: readonly StepHeader[], outgoing: ReadonlyMap<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();

  // Iterative depth-first search, so a long chain of steps cannot overflow the stack.
  for (const start of steps) {
    if (state.has(start.key)) continue;
    const path: string[] = [start.key];
    const nextIndex: number[] = [0];
    state.set(start.key, 'visiting');

    while (path.length > 0) {
      const current = path[path.length - 1]!;
      const targets = outgoing.get(current)!;
      const index = nextIndex[nextIndex.length - 1]!;
      if (index >= targets.length) {
        state.set(current, 'done');
        path.pop();
        nextIndex.pop();
        continue;
      }
      nextIndex[nextIndex.length - 1] = index + 1;

      const target = targets[index]!;
      const targetState = state.get(target);
      if (targetState === 'visiting') return [...path.slice(path.indexOf(target)), target];
      if (targetState === undefined) {
        state.set(target, 'visiting');
        path.push(target);
        nextIndex.push(0);
      }
    }
  }
  return undefined;
}

function reachableFrom(start: string, outgoing: ReadonlyMap<string, string[]>): Set<string> {
  const reached = new Set<string>([start]);
  const queue = [start];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    for (const target of outgoing.get(current)!) {
      if (!reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  return reached;
}

function checkGraphShape(steps: readonly StepHeader[], connections: readonly Connection[]): void {
  const trigger = findSingleTrigger(steps);

  const incoming = connections.find((connection) => connection.to === trigger);
  if (incoming) {
    throw new InvalidGraphError('validation_error', `trigger step "${trigger}" cannot have incoming connections, but step "${incoming.from}" connects to it`);
  }

  const outgoing = outgoingByStep(steps, connections);
  const cycle = findCycle(steps, outgoing);
  if (cycle) {
    throw new InvalidGraphError('validation_error', `step "${cycle[0]}" is on a cycle: ${cycle.map((key) => `"${key}"`).join(' -> ')}. Automations cannot loop`);
  }

  const reached = reachableFrom(trigger, outgoing);
  const unreachable = steps.find((step) => !reached.has(step.key));
  if (unreachable) {
    throw new InvalidGraphError('validation_error', `step "${unreachable.key}" is not reachable from the trigger step "${trigger}": connect it or remove it`);
  }
}

function collectReferences(steps: readonly Step[]): GraphReferences {
  const templateIds = new Set<string>();
  const segmentIds = new Set<string>();
  const topicIds = new Set<string>();
  for (const step of steps) {
    if (step.type === 'send_email') {
      templateIds.add(step.config.template.id);
      if (step.config.topic_id !== undefined) topicIds.add(step.config.topic_id);
    } else if (step.type === 'add_to_segment') {
      segmentIds.add(step.config.segment_id);
    }
  }
  return { templateIds: [...templateIds], segmentIds: [...segmentIds], topicIds: [...topicIds] };
}

/**
 * Validates the steps and connections of an automation and returns the graph
 * rebuilt with only known fields and every connection type filled in, plus
 * the template, segment and topic ids it refers to. On the first violation it
 * returns an error whose message names the step key or the connection.
 *
 * Step keys are 1 to 100 letters, digits, "_" or "-". Field names in user
 * objects cannot start with "$", contain "." or be "__proto__", "constructor"
 * or "prototype", and no string may contain a NUL character.
 */
export function validateAutomationGraph(input: { steps: unknown; connections: unknown }): GraphValidationResult {
  try {
    const headers = readStepHeaders(input.steps);
    const waitEventNames = headers.flatMap((header) => {
      if (header.type !== 'wait_for_event' || !isPlainObject(header.config)) return [];
      const eventName = header.config.event_name;
      return typeof eventName === 'string' ? [eventName] : [];
    });
    const steps = headers.map((header) => readStep(header.key, header.type, header.config, waitEventNames));

    const stepTypes = new Map(headers.map((header) => [header.key, header.type]));
    const connections = readConnections(input.connections, stepTypes);
    checkGraphShape(headers, connections);

    return { ok: true, graph: { steps, connections }, references: collectReferences(steps) };
  } catch (error) {
    if (error instanceof InvalidGraphError) return { ok: false, error: { name: error.code, message: error.message } };
    throw error;
  }
}
