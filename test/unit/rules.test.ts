import { describe, expect, it } from 'vitest';
import type { Rule, RuleOperator, Scalar } from '../../domain/graph.js';
import { evaluateRule, MissingFieldError, RuleError, ruleReadsContact, type RuleContext } from '../../domain/rules.js';
import type { ContactSnapshot } from '../../workflows/contract.js';

function makeContact(overrides: Partial<ContactSnapshot> = {}): ContactSnapshot {
  return {
    id: '0190a000-0000-7000-8000-000000000001',
    email: 'ada@example.com',
    first_name: 'Ada',
    last_name: null,
    unsubscribed: false,
    properties: { plan: 'pro', seats: 3 },
    ...overrides,
  };
}

function makeContext(event: Record<string, unknown> = {}, contact: ContactSnapshot | null = makeContact()): RuleContext {
  return { event, contact };
}

function rule(field: string, operator: RuleOperator, value?: Scalar): Rule {
  return value === undefined ? { type: 'rule', field, operator } : { type: 'rule', field, operator, value };
}

function check(field: string, operator: RuleOperator, value: Scalar | undefined, event: Record<string, unknown>): boolean {
  return evaluateRule(rule(field, operator, value), makeContext(event));
}

describe('evaluateRule eq and neq', () => {
  it('compares strings strictly', () => {
    expect(check('event.plan', 'eq', 'pro', { plan: 'pro' })).toBe(true);
    expect(check('event.plan', 'eq', 'Pro', { plan: 'pro' })).toBe(false);
    expect(check('event.plan', 'neq', 'free', { plan: 'pro' })).toBe(true);
    expect(check('event.plan', 'neq', 'pro', { plan: 'pro' })).toBe(false);
  });

  it('compares numbers', () => {
    expect(check('event.total', 'eq', 42, { total: 42 })).toBe(true);
    expect(check('event.total', 'eq', 42, { total: 42.5 })).toBe(false);
    expect(check('event.total', 'neq', 42, { total: 41 })).toBe(true);
  });

  it('compares a numeric string with a number', () => {
    expect(check('event.total', 'eq', 42, { total: '42' })).toBe(true);
    expect(check('event.total', 'eq', 42.5, { total: '42.5' })).toBe(true);
    expect(check('event.total', 'eq', '42', { total: 42 })).toBe(true);
    expect(check('event.total', 'neq', 42, { total: '42' })).toBe(false);
  });

  it('does not compare two strings numerically', () => {
    expect(check('event.total', 'eq', '42.0', { total: '42' })).toBe(false);
  });

  it('does not coerce other types', () => {
    expect(check('event.flag', 'eq', 'true', { flag: true })).toBe(false);
    expect(check('event.flag', 'eq', true, { flag: true })).toBe(true);
    expect(check('event.total', 'eq', 0, { total: '' })).toBe(false);
    expect(check('event.total', 'eq', 1, { total: 'one' })).toBe(false);
    expect(check('event.total', 'eq', 0, { total: null })).toBe(false);
  });

  it('matches null', () => {
    expect(check('event.coupon', 'eq', null, { coupon: null })).toBe(true);
    expect(check('event.coupon', 'neq', null, { coupon: 'SAVE' })).toBe(true);
  });

  it('treats objects as unequal to scalars', () => {
    expect(check('event.cart', 'eq', 'x', { cart: { total: 1 } })).toBe(false);
    expect(check('event.cart', 'neq', 'x', { cart: { total: 1 } })).toBe(true);
  });
});

describe('evaluateRule numeric comparisons', () => {
  it.each([
    ['gt', 10, true],
    ['gt', 42, false],
    ['gte', 42, true],
    ['gte', 43, false],
    ['lt', 43, true],
    ['lt', 42, false],
    ['lte', 42, true],
    ['lte', 41, false],
  ] as const)('%s %d against 42 is %s', (operator, value, expected) => {
    expect(check('event.total', operator, value, { total: 42 })).toBe(expected);
  });

  it('accepts numeric strings', () => {
    expect(check('event.total', 'gt', 40, { total: '42' })).toBe(true);
    expect(check('event.total', 'lt', 0, { total: '-3.5' })).toBe(true);
  });

  it('rejects a field that is not a number', () => {
    expect(() => check('event.total', 'gt', 1, { total: 'lots' })).toThrow(RuleError);
    expect(() => check('event.total', 'gt', 1, { total: 'lots' })).toThrow('field "event.total" is not a number');
    expect(() => check('event.total', 'lte', 1, { total: null })).toThrow('found null');
    expect(() => check('event.total', 'gte', 1, { total: true })).toThrow('found the boolean true');
  });

  it('rejects a rule value that is not a number', () => {
    expect(() => check('event.total', 'gt', '1', { total: 2 })).toThrow('needs a number value');
  });
});

describe('evaluateRule string matching', () => {
  it('matches contains on strings', () => {
    expect(check('event.email', 'contains', '@example', { email: 'ada@example.com' })).toBe(true);
    expect(check('event.email', 'contains', '@other', { email: 'ada@example.com' })).toBe(false);
  });

  it('matches contains on arrays', () => {
    expect(check('event.tags', 'contains', 'vip', { tags: ['new', 'vip'] })).toBe(true);
    expect(check('event.tags', 'contains', 'vi', { tags: ['new', 'vip'] })).toBe(false);
  });

  it('matches starts_with', () => {
    expect(check('event.sku', 'starts_with', 'A-', { sku: 'A-100' })).toBe(true);
    expect(check('event.sku', 'starts_with', '100', { sku: 'A-100' })).toBe(false);
  });

  it('matches ends_with', () => {
    expect(check('contact.email', 'ends_with', '@example.com', {})).toBe(true);
    expect(check('contact.email', 'ends_with', '@other.com', {})).toBe(false);
  });

  it('matches case-sensitively', () => {
    expect(check('event.name', 'contains', 'ADA', { name: 'ada' })).toBe(false);
  });

  it('rejects a field that is not a string', () => {
    expect(() => check('event.total', 'starts_with', '4', { total: 42 })).toThrow(RuleError);
    expect(() => check('event.total', 'starts_with', '4', { total: 42 })).toThrow('field "event.total" is not a string');
    expect(() => check('event.total', 'contains', '4', { total: 42 })).toThrow('is not a string or an array');
  });

  it('rejects a rule value that is not a string', () => {
    expect(() => check('event.name', 'contains', 4, { name: 'x4' })).toThrow('needs a string value');
  });
});

describe('evaluateRule exists and is_empty', () => {
  it('finds present non-null fields', () => {
    expect(check('event.coupon', 'exists', undefined, { coupon: 'SAVE' })).toBe(true);
    expect(check('event.coupon', 'exists', undefined, { coupon: '' })).toBe(true);
    expect(check('event.coupon', 'exists', undefined, { coupon: null })).toBe(false);
    expect(check('event.coupon', 'exists', undefined, {})).toBe(false);
  });

  it('treats absent, null and empty values as empty', () => {
    expect(check('event.coupon', 'is_empty', undefined, {})).toBe(true);
    expect(check('event.coupon', 'is_empty', undefined, { coupon: null })).toBe(true);
    expect(check('event.coupon', 'is_empty', undefined, { coupon: '' })).toBe(true);
    expect(check('event.coupon', 'is_empty', undefined, { coupon: [] })).toBe(true);
    expect(check('event.coupon', 'is_empty', undefined, { coupon: {} })).toBe(true);
  });

  it('treats other values as not empty', () => {
    expect(check('event.coupon', 'is_empty', undefined, { coupon: ' ' })).toBe(false);
    expect(check('event.coupon', 'is_empty', undefined, { coupon: 0 })).toBe(false);
    expect(check('event.coupon', 'is_empty', undefined, { coupon: false })).toBe(false);
    expect(check('event.coupon', 'is_empty', undefined, { coupon: ['x'] })).toBe(false);
  });

  it('reads contact fields without a contact', () => {
    const context = makeContext({}, null);
    expect(evaluateRule(rule('contact.email', 'exists'), context)).toBe(false);
    expect(evaluateRule(rule('contact.email', 'is_empty'), context)).toBe(true);
  });
});

describe('evaluateRule missing fields', () => {
  it('names a missing event field', () => {
    expect(() => check('event.cart_total', 'gt', 1, {})).toThrow(MissingFieldError);
    expect(() => check('event.cart_total', 'gt', 1, {})).toThrow('field "event.cart_total" is missing from the event payload');
  });

  it('names a missing contact property', () => {
    expect(() => check('contact.company', 'eq', 'Acme', {})).toThrow('field "contact.company" is missing from the contact');
  });

  it('explains a missing contact', () => {
    const context = makeContext({}, null);
    expect(() => evaluateRule(rule('contact.email', 'eq', 'x'), context)).toThrow('because the contact no longer exists');
  });

  it('treats a missing nested segment as missing', () => {
    expect(() => check('event.cart.total', 'eq', 1, { cart: 'none' })).toThrow(MissingFieldError);
  });

  it('reports the field on the error', () => {
    let caught: unknown;
    try {
      check('event.plan', 'eq', 'pro', {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MissingFieldError);
    expect((caught as MissingFieldError).field).toBe('event.plan');
    expect((caught as MissingFieldError).name).toBe('MissingFieldError');
  });

  it('treats inherited properties as missing', () => {
    expect(() => check('event.constructor', 'eq', 'x', {})).toThrow(MissingFieldError);
  });

  it('reads null contact fields as present', () => {
    expect(check('contact.last_name', 'eq', null, {})).toBe(true);
  });
});

describe('evaluateRule and/or', () => {
  const isPro = rule('event.plan', 'eq', 'pro');
  const isBig = rule('event.total', 'gt', 100);
  const missing = rule('event.absent', 'eq', 1);

  it('requires every rule for and', () => {
    expect(evaluateRule({ type: 'and', rules: [isPro, isBig] }, makeContext({ plan: 'pro', total: 200 }))).toBe(true);
    expect(evaluateRule({ type: 'and', rules: [isPro, isBig] }, makeContext({ plan: 'pro', total: 50 }))).toBe(false);
  });

  it('requires any rule for or', () => {
    expect(evaluateRule({ type: 'or', rules: [isPro, isBig] }, makeContext({ plan: 'free', total: 200 }))).toBe(true);
    expect(evaluateRule({ type: 'or', rules: [isPro, isBig] }, makeContext({ plan: 'free', total: 50 }))).toBe(false);
  });

  it('evaluates nested groups', () => {
    const tree: Rule = {
      type: 'or',
      rules: [
        { type: 'and', rules: [isPro, isBig] },
        { type: 'and', rules: [rule('contact.plan', 'eq', 'pro'), rule('contact.seats', 'gte', 3)] },
      ],
    };
    expect(evaluateRule(tree, makeContext({ plan: 'free', total: 1 }))).toBe(true);
    expect(evaluateRule(tree, makeContext({ plan: 'free', total: 1 }, makeContact({ properties: { plan: 'free', seats: 3 } })))).toBe(false);
  });

  it('stops and at the first false rule', () => {
    expect(evaluateRule({ type: 'and', rules: [isPro, missing] }, makeContext({ plan: 'free' }))).toBe(false);
  });

  it('stops or at the first true rule', () => {
    expect(evaluateRule({ type: 'or', rules: [isPro, missing] }, makeContext({ plan: 'pro' }))).toBe(true);
  });

  it('raises a missing field that decides the result', () => {
    expect(() => evaluateRule({ type: 'and', rules: [isPro, missing] }, makeContext({ plan: 'pro' }))).toThrow(MissingFieldError);
    expect(() => evaluateRule({ type: 'or', rules: [isPro, missing] }, makeContext({ plan: 'free' }))).toThrow(MissingFieldError);
  });
});

describe('ruleReadsContact', () => {
  it('is false for rules on event fields only', () => {
    const tree: Rule = { type: 'and', rules: [rule('event.total', 'gt', 1), { type: 'or', rules: [rule('event.plan', 'exists')] }] };
    expect(ruleReadsContact(tree)).toBe(false);
  });

  it('finds a contact field in a nested group', () => {
    const tree: Rule = { type: 'and', rules: [rule('event.total', 'gt', 1), { type: 'or', rules: [rule('contact.plan', 'eq', 'pro')] }] };
    expect(ruleReadsContact(tree)).toBe(true);
  });

  it('does not mistake an event field named contact', () => {
    expect(ruleReadsContact(rule('event.contact.email', 'exists'))).toBe(false);
  });
});
