/**
 * Run-time checks of a response against the TypeScript type that declares it,
 * such as a response type of the official `resend` client.
 */
import { expect } from 'vitest';

/** A value's JavaScript type as `typeof` names it, except that `null` and arrays get names of their own. */
export type JsType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null' | 'undefined';

/**
 * The JavaScript types allowed for each key of `T`. The compiler requires
 * every key that `T` declares, optional ones included, so a shape cannot
 * leave out a field of the type it checks.
 */
export type Shape<T> = { readonly [K in keyof T]-?: JsType | readonly JsType[] };

export function jsType(value: unknown): JsType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'object' || type === 'undefined') {
    return type;
  }
  throw new Error(`a JSON value cannot have the type ${type}`);
}

/**
 * Asserts that `value` contains every key of `shape` with one of its allowed
 * types, and that its other keys are exactly `extraKeys`. `label` names the
 * value in failure messages.
 */
export function expectShape<T>(label: string, value: T, shape: Shape<T>, extraKeys: readonly string[] = []): void {
  expect(jsType(value), `${label} is an object`).toBe('object');
  const record = value as Record<string, unknown>;

  for (const [key, allowed] of Object.entries(shape) as Array<[string, JsType | readonly JsType[]]>) {
    const actual = jsType(record[key]);
    const expected = typeof allowed === 'string' ? [allowed] : allowed;
    expect(expected, `${label}.${key} has the type ${actual}`).toContain(actual);
  }

  const extra = Object.keys(record).filter((key) => !Object.hasOwn(shape, key));
  expect(extra.sort(), `keys of ${label} that its type does not declare`).toEqual([...extraKeys].sort());
}
