/**
 * Evaluation of condition rule trees against an event payload and a contact,
 * for `condition` steps and `wait_for_event` filters.
 */
import type { Rule, RuleOperator, Scalar } from './graph.js';
import { readField } from './variables.js';
import type { ContactSnapshot } from '../workflows/contract.js';

export interface RuleContext {
  event: Record<string, unknown>;
  contact: ContactSnapshot | null;
}

/** A rule that cannot be evaluated, such as `gt` on a field that is not a number. */
export class RuleError extends Error {
  override name = 'RuleError';
}

/** Error for a rule whose field the event payload or the contact does not have. */
export class MissingFieldError extends RuleError {
  override name = 'MissingFieldError';

  constructor(readonly field: string, message: string) {
    super(message);
  }
}

// A numeric string is compared as a number against a number value, because
// event payloads often carry numbers as text ("42", "-3.5").
const NUMERIC_STRING = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `the ${typeof value} ${String(value)}`;
}

function missingField(field: string, context: RuleContext): MissingFieldError {
  if (field.startsWith('contact.') && context.contact === null) {
    return new MissingFieldError(field, `field "${field}" cannot be read because the contact no longer exists`);
  }
  const source = field.startsWith('contact.') ? 'the contact' : 'the event payload';
  return new MissingFieldError(field, `field "${field}" is missing from ${source}`);
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC_STRING.test(value)) return Number(value);
  return undefined;
}

function isEqual(actual: unknown, expected: Scalar | undefined): boolean {
  if (typeof expected === 'number' || typeof actual === 'number') {
    const left = asNumber(actual);
    const right = asNumber(expected);
    if (left !== undefined && right !== undefined) return left === right;
  }
  return actual === expected;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function compareNumbers(field: string, actual: unknown, operator: 'gt' | 'gte' | 'lt' | 'lte', expected: Scalar | undefined): boolean {
  if (typeof expected !== 'number') {
    throw new RuleError(`rule on "${field}" with operator "${operator}" needs a number value, got ${describeValue(expected)}`);
  }
  const left = asNumber(actual);
  if (left === undefined) {
    throw new RuleError(`field "${field}" is not a number, so "${operator}" cannot compare it: found ${describeValue(actual)}`);
  }

  switch (operator) {
    case 'gt':
      return left > expected;
    case 'gte':
      return left >= expected;
    case 'lt':
      return left < expected;
    case 'lte':
      return left <= expected;
  }
}

function matchText(
  field: string,
  actual: unknown,
  operator: 'contains' | 'starts_with' | 'ends_with',
  expected: Scalar | undefined,
): boolean {
  if (typeof expected !== 'string') {
    throw new RuleError(`rule on "${field}" with operator "${operator}" needs a string value, got ${describeValue(expected)}`);
  }
  if (operator === 'contains' && Array.isArray(actual)) return actual.includes(expected);
  if (typeof actual !== 'string') {
    const expectedType = operator === 'contains' ? 'a string or an array' : 'a string';
    throw new RuleError(`field "${field}" is not ${expectedType}, so "${operator}" cannot match it: found ${describeValue(actual)}`);
  }

  if (operator === 'contains') return actual.includes(expected);
  if (operator === 'starts_with') return actual.startsWith(expected);
  return actual.endsWith(expected);
}

function evaluateComparison(field: string, operator: RuleOperator, expected: Scalar | undefined, context: RuleContext): boolean {
  const actual = readField(field, context);

  // exists and is_empty are the only operators that accept an absent field.
  if (operator === 'exists') return actual !== undefined && actual !== null;
  if (operator === 'is_empty') return isEmpty(actual);
  if (actual === undefined) throw missingField(field, context);

  switch (operator) {
    case 'eq':
      return isEqual(actual, expected);
    case 'neq':
      return !isEqual(actual, expected);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compareNumbers(field, actual, operator, expected);
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      return matchText(field, actual, operator, expected);
    default: {
      const unknown: never = operator;
      throw new RuleError(`unknown rule operator "${String(unknown)}"`);
    }
  }
}

/**
 * Evaluates a rule tree. `and` and `or` evaluate their rules in order and stop
 * at the first rule that decides the result, like `&&` and `||`, so a missing
 * field in a rule after the deciding one raises no error.
 *
 * eq and neq use strict equality, except that a number and a numeric string
 * compare as numbers ("42" eq 42). gt, gte, lt and lte accept numbers and
 * numeric strings. contains matches a substring, or an element of an array.
 * Matching is case-sensitive. exists is true for a present, non-null field;
 * is_empty is true for an absent or null field, "", [] and {}.
 *
 * Throws MissingFieldError when any other operator reads an absent field, and
 * RuleError when the field value has the wrong type for the operator.
 */
export function evaluateRule(rule: Rule, context: RuleContext): boolean {
  if (rule.type === 'rule') return evaluateComparison(rule.field, rule.operator, rule.value, context);
  if (rule.type === 'and') return rule.rules.every((child) => evaluateRule(child, context));
  return rule.rules.some((child) => evaluateRule(child, context));
}

/** Returns true when any rule in the tree reads a `contact.*` field. */
export function ruleReadsContact(rule: Rule): boolean {
  if (rule.type === 'rule') return rule.field.split('.')[0] === 'contact';
  return rule.rules.some((child) => ruleReadsContact(child));
}
