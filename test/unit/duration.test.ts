import { describe, expect, it } from 'vitest';
import { DurationError, MAX_DURATION_MS, parseDuration } from '../../domain/duration.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

describe('parseDuration', () => {
  it.each([
    ['1 second', SECOND],
    ['30 seconds', 30 * SECOND],
    ['1 minute', MINUTE],
    ['30 minutes', 30 * MINUTE],
    ['1 hour', HOUR],
    ['2 hours', 2 * HOUR],
    ['1 day', DAY],
    ['3 days', 3 * DAY],
    ['1 week', WEEK],
    ['4 weeks', 4 * WEEK],
  ])('parses long unit %j', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it.each([
    ['30s', 30 * SECOND],
    ['15m', 15 * MINUTE],
    ['2h', 2 * HOUR],
    ['3d', 3 * DAY],
    ['1w', WEEK],
  ])('parses short unit %j', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it('ignores the case of long units', () => {
    expect(parseDuration('3 Days')).toBe(3 * DAY);
    expect(parseDuration('2 HOURS')).toBe(2 * HOUR);
    expect(parseDuration('1 wEeK')).toBe(WEEK);
  });

  it('ignores leading and trailing spaces', () => {
    expect(parseDuration('  2 hours ')).toBe(2 * HOUR);
    expect(parseDuration('\t15m\n')).toBe(15 * MINUTE);
  });

  it('accepts exactly 30 days', () => {
    expect(parseDuration('30 days')).toBe(MAX_DURATION_MS);
    expect(parseDuration('720 hours')).toBe(MAX_DURATION_MS);
    expect(parseDuration('2592000s')).toBe(MAX_DURATION_MS);
  });

  it('sets the maximum to 30 days', () => {
    expect(MAX_DURATION_MS).toBe(30 * DAY);
  });

  it.each(['31 days', '5 weeks', '721 hours', '2592001 seconds', '99999999999999999999999 days'])(
    'rejects %j as longer than 30 days',
    (text) => {
      expect(() => parseDuration(text)).toThrow(DurationError);
      expect(() => parseDuration(text)).toThrow('the maximum is 30 days');
    },
  );

  it.each(['0 seconds', '0m', '0 days'])('rejects zero %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
    expect(() => parseDuration(text)).toThrow('greater than zero');
  });

  it.each([
    '',
    '   ',
    '1 month',
    '2 years',
    '-1 day',
    '+1 day',
    '1.5 hours',
    '1,5 hours',
    'one hour',
    'hours',
    '15',
    '15 m',
    '15M',
    '2H',
    '30seconds',
    '2  hours',
    '2 hours later',
    '2h30m',
    '1 ms',
    '1e3 seconds',
  ])('rejects malformed %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it('shows accepted examples in the message', () => {
    expect(() => parseDuration('1 month')).toThrow(
      'invalid duration "1 month": use a positive whole number and a unit, such as "30 minutes", "2 hours", "3 days" or "15m", at most 30 days',
    );
  });

  it('shortens a long input in the message', () => {
    const text = 'x'.repeat(500);
    let message = '';
    try {
      parseDuration(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`"${'x'.repeat(40)}..."`);
    expect(message.length).toBeLessThan(200);
  });

  it('names the error DurationError', () => {
    expect(() => parseDuration('soon')).toThrow(expect.objectContaining({ name: 'DurationError' }));
  });
});
