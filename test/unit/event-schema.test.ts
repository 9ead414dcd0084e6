import { describe, expect, it } from 'vitest';
import { checkPayload, coerceValue, parseIsoDate } from '../../domain/event-schema.js';
import type { EventFieldType } from '../../domain/event-schema.js';

describe('coerceValue', () => {
  const accepted: Array<[EventFieldType, unknown, unknown]> = [
    ['string', 'hello', 'hello'],
    ['string', '', ''],
    ['number', 42, 42],
    ['number', -1.5, -1.5],
    ['number', '42', 42],
    ['number', ' 3.25 ', 3.25],
    ['number', '-7', -7],
    ['number', '1e3', 1000],
    ['boolean', true, true],
    ['boolean', false, false],
    ['boolean', 'true', true],
    ['boolean', 'false', false],
    ['date', '2026-10-01', '2026-10-01T00:00:00.000Z'],
    ['date', '2026-10-01T12:00:00Z', '2026-10-01T12:00:00.000Z'],
    ['date', '2026-10-01T12:00:00.123+02:00', '2026-10-01T10:00:00.123Z'],
    ['date', '2024-02-29T00:00Z', '2024-02-29T00:00:00.000Z'],
  ];
  it.each(accepted)('accepts %s from %j', (type, input, expected) => {
    expect(coerceValue(input, type)).toEqual(expected);
  });

  const rejected: Array<[EventFieldType, unknown]> = [
    ['string', 5],
    ['string', true],
    ['string', { a: 1 }],
    ['number', 'abc'],
    ['number', ''],
    ['number', '12abc'],
    ['number', true],
    ['number', [1]],
    ['boolean', 'yes'],
    ['boolean', 'TRUE'],
    ['boolean', 1],
    ['date', '2026-02-30'],
    ['date', '2026-13-01'],
    ['date', '2026-10-01T12:00:00'],
    ['date', '2026-10-01T24:00:00Z'],
    ['date', 'yesterday'],
    ['date', 1790856000000],
  ];
  it.each(rejected)('rejects %s from %j', (type, input) => {
    expect(coerceValue(input, type)).toBeUndefined();
  });
});

describe('parseIsoDate', () => {
  it('rejects February 29 outside leap years', () => {
    expect(parseIsoDate('2025-02-29')).toBeUndefined();
    expect(parseIsoDate('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
  });
});

describe('checkPayload', () => {
  const schema = [
    { field: 'amount', type: 'number' },
    { field: 'paid', type: 'boolean' },
    { field: 'due', type: 'date' },
  ] as const;

  it('coerces declared fields and keeps the rest', () => {
    const result = checkPayload(schema, { amount: '49.5', paid: 'false', due: '2026-10-01', note: 'hi' });
    expect(result).toEqual({
      ok: true,
      payload: { amount: 49.5, paid: false, due: '2026-10-01T00:00:00.000Z', note: 'hi' },
    });
  });

  it('allows missing and null fields', () => {
    expect(checkPayload(schema, { paid: null })).toEqual({ ok: true, payload: { paid: null } });
  });

  it('reports the first mismatched field', () => {
    expect(checkPayload(schema, { amount: 'lots', paid: 'maybe' })).toEqual({
      ok: false,
      field: 'amount',
      expected: 'number',
      value: 'lots',
    });
  });

  it('leaves the input payload unchanged', () => {
    const payload = { amount: '5' };
    checkPayload(schema, payload);
    expect(payload).toEqual({ amount: '5' });
  });
});
