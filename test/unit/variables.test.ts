import { describe, expect, it } from 'vitest';
import { readField, readPath, resolveRecord, resolveValue, type VariableContext } from '../../domain/variables.js';
import type { ContactSnapshot } from '../../workflows/contract.js';

function makeContact(overrides: Partial<ContactSnapshot> = {}): ContactSnapshot {
  return {
    id: '0190a000-0000-7000-8000-000000000001',
    email: 'ada@example.com',
    first_name: 'Ada',
    last_name: null,
    unsubscribed: false,
    properties: { plan: 'pro', seats: 3, email: 'billing@example.com' },
    ...overrides,
  };
}

function makeContext(overrides: Partial<VariableContext> = {}): VariableContext {
  return {
    event: { cart: { total: 42, items: [{ sku: 'A-1' }, { sku: 'B-2' }] }, coupon: null },
    contact: makeContact(),
    waitEvents: {},
    ...overrides,
  };
}

describe('readPath', () => {
  it('walks nested objects', () => {
    expect(readPath({ a: { b: { c: 1 } } }, ['a', 'b', 'c'])).toBe(1);
  });

  it('reads array items by index', () => {
    expect(readPath({ items: ['x', 'y'] }, ['items', '1'])).toBe('y');
  });

  it('returns undefined for a non-index segment on an array', () => {
    expect(readPath({ items: ['x'] }, ['items', 'length'])).toBeUndefined();
    expect(readPath({ items: ['x'] }, ['items', '01'])).toBeUndefined();
  });

  it('ignores inherited properties', () => {
    expect(readPath({}, ['constructor'])).toBeUndefined();
    expect(readPath({}, ['__proto__'])).toBeUndefined();
    expect(readPath({ name: 'x' }, ['name', 'length'])).toBeUndefined();
  });

  it('returns null for a present null', () => {
    expect(readPath({ coupon: null }, ['coupon'])).toBeNull();
  });
});

describe('readField', () => {
  it('reads event fields', () => {
    expect(readField('event.cart.total', makeContext())).toBe(42);
  });

  it('reads built-in contact fields', () => {
    const context = makeContext();
    expect(readField('contact.email', context)).toBe('ada@example.com');
    expect(readField('contact.first_name', context)).toBe('Ada');
    expect(readField('contact.last_name', context)).toBeNull();
    expect(readField('contact.unsubscribed', context)).toBe(false);
    expect(readField('contact.id', context)).toBe('0190a000-0000-7000-8000-000000000001');
  });

  it('reads custom properties in both forms', () => {
    const context = makeContext();
    expect(readField('contact.plan', context)).toBe('pro');
    expect(readField('contact.properties.seats', context)).toBe(3);
  });

  it('prefers built-in fields over same-named properties', () => {
    const context = makeContext();
    expect(readField('contact.email', context)).toBe('ada@example.com');
    expect(readField('contact.properties.email', context)).toBe('billing@example.com');
  });

  it('returns undefined without a contact', () => {
    expect(readField('contact.email', makeContext({ contact: null }))).toBeUndefined();
  });

  it('returns undefined for unknown namespaces', () => {
    expect(readField('payload.cart', makeContext())).toBeUndefined();
    expect(readField('event', makeContext())).toBeUndefined();
  });
});

describe('resolveValue', () => {
  it('passes literals through', () => {
    const context = makeContext();
    expect(resolveValue('hello', context)).toBe('hello');
    expect(resolveValue(7, context)).toBe(7);
    expect(resolveValue(false, context)).toBe(false);
    expect(resolveValue(null, context)).toBeNull();
    expect(resolveValue({ color: 'red' }, context)).toEqual({ color: 'red' });
    expect(resolveValue(['a', 1], context)).toEqual(['a', 1]);
  });

  it('resolves event references', () => {
    expect(resolveValue({ var: 'event.cart.items.0.sku' }, makeContext())).toBe('A-1');
  });

  it('resolves contact references', () => {
    const context = makeContext();
    expect(resolveValue({ var: 'contact.first_name' }, context)).toBe('Ada');
    expect(resolveValue({ var: 'contact.plan' }, context)).toBe('pro');
  });

  it('resolves wait event references', () => {
    const context = makeContext({ waitEvents: { 'order.shipped': { carrier: 'DHL' } } });
    expect(resolveValue({ var: 'wait_events.order.shipped.carrier' }, context)).toBe('DHL');
  });

  it('matches the longest wait event name first', () => {
    const context = makeContext({
      waitEvents: {
        payment: { succeeded: { amount: 1 } },
        'payment.succeeded': { amount: 2 },
      },
    });
    expect(resolveValue({ var: 'wait_events.payment.succeeded.amount' }, context)).toBe(2);
  });

  it('reads nested wait event fields', () => {
    const context = makeContext({ waitEvents: { 'payment.succeeded': { card: { last4: '4242' } } } });
    expect(resolveValue({ var: 'wait_events.payment.succeeded.card.last4' }, context)).toBe('4242');
  });

  it('returns undefined for unresolvable references', () => {
    const context = makeContext();
    expect(resolveValue({ var: 'event.missing' }, context)).toBeUndefined();
    expect(resolveValue({ var: 'contact.nickname' }, context)).toBeUndefined();
    expect(resolveValue({ var: 'wait_events.order.shipped.carrier' }, context)).toBeUndefined();
    expect(resolveValue({ var: 'contact.first_name' }, makeContext({ contact: null }))).toBeUndefined();
  });

  it('keeps a present null as null', () => {
    expect(resolveValue({ var: 'event.coupon' }, makeContext())).toBeNull();
  });
});

describe('resolveRecord', () => {
  it('resolves every value of a record', () => {
    const resolved = resolveRecord(
      { NAME: { var: 'contact.first_name' }, TOTAL: { var: 'event.cart.total' }, GREETING: 'Hi', MISSING: { var: 'event.nope' } },
      makeContext(),
    );
    expect(resolved).toEqual({ NAME: 'Ada', TOTAL: 42, GREETING: 'Hi', MISSING: undefined });
  });

  it('keeps a __proto__ key as a plain key', () => {
    const record = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const resolved = resolveRecord(record, makeContext());
    expect(Object.keys(resolved)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
  });
});
