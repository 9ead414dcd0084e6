/**
 * Request parsing: JSON bodies, query strings and path parameters, each
 * checked by a zod schema. Failures become an `ApiError` whose message names
 * the field and the expected value.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import type { core } from 'zod';
import { isUuid } from '../domain/ids.js';
import { ApiError } from './errors.js';

/** Deeper JSON is rejected before any schema runs, which bounds recursion. */
export const MAX_JSON_DEPTH = 32;

/** Keys that could reach an object's prototype if some code merged the body into an object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Where = 'body' | 'query' | 'path';

export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

const EXPECTED_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  record: 'an object',
  null: 'null',
};

function plural(count: number | bigint, word: string): string {
  return `${count} ${word}${count === 1 || count === 1n ? '' : 's'}`;
}

/**
 * Error map for zod: a predicate that follows the field name, as in
 * "`name` must be a string, got a number". Messages that a schema sets itself
 * use the same form.
 */
function describeIssue(issue: core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, got ${describeType(issue.input)}`;
    case 'too_small': {
      if (issue.origin === 'string') {
        return issue.minimum === 1 ? 'must not be empty' : `must be at least ${plural(issue.minimum, 'character')} long`;
      }
      if (issue.origin === 'array') return `must contain at least ${plural(issue.minimum, 'item')}`;
      return issue.inclusive === false ? `must be greater than ${issue.minimum}` : `must be at least ${issue.minimum}`;
    }
    case 'too_big': {
      if (issue.origin === 'string') return `must be at most ${plural(issue.maximum, 'character')} long`;
      if (issue.origin === 'array') return `must contain at most ${plural(issue.maximum, 'item')}`;
      return issue.inclusive === false ? `must be less than ${issue.maximum}` : `must be at most ${issue.maximum}`;
    }
    case 'invalid_format':
      if (issue.format === 'uuid') return 'must be a UUID';
      if (issue.format === 'email') return 'must be an email address';
      return `must match the ${issue.format} format`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_union':
      return 'does not match any of the accepted types';
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return 'is invalid';
  }
}

function subject(path: string, where: Where): string {
  if (path === '') return where === 'body' ? 'The request body' : 'The query string';
  if (where === 'query') return `Query parameter \`${path}\``;
  if (where === 'path') return `Path parameter \`${path}\``;
  return `\`${path}\``;
}

function readAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** Converts the first issue of a failed parse into an ApiError. */
export function issueToError(issue: core.$ZodIssue, data: unknown, where: Where): ApiError {
  const path = formatPath(issue.path);

  if (issue.code === 'unrecognized_keys') {
    const fields = issue.keys.map((key) => `\`${key}\``).join(', ');
    let within = `\`${path}\``;
    if (path === '') within = where === 'body' ? 'the request body' : 'the query string';
    const message = `Unknown field ${fields} in ${within}; remove it or check its spelling.`;
    return where === 'body' ? ApiError.validation(message) : ApiError.invalidParameter(message);
  }

  if (issue.code === 'invalid_key') {
    const key = String(issue.path[issue.path.length - 1]);
    const parent = formatPath(issue.path.slice(0, -1));
    const reason = issue.issues[0]?.message ?? 'is invalid';
    const message = parent === '' ? `Key \`${key}\` ${reason}.` : `Key \`${key}\` in \`${parent}\` ${reason}.`;
    return where === 'body' ? ApiError.validation(message) : ApiError.invalidParameter(message);
  }

  const message = `${subject(path, where)} ${issue.message}.`;
  if (where !== 'body') return ApiError.invalidParameter(message);
  if (issue.code === 'invalid_type' && path !== '' && readAt(data, issue.path) === undefined) {
    return ApiError.missingField(`Missing required field \`${path}\`.`);
  }
  return ApiError.validation(message);
}

/** Parses `data` with `schema`, throwing an ApiError for the first problem found. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, where: Where): z.output<S> {
  const result = schema.safeParse(data, { error: describeIssue });
  if (result.success) return result.data;
  throw issueToError(result.error.issues[0]!, data, where);
}

/**
 * Rejects keys that start with `$` (MongoDB operators) or name prototype
 * properties, anywhere in the value, and nesting deeper than MAX_JSON_DEPTH.
 */
export function assertSafeJson(value: unknown, path: PropertyKey[] = []): void {
  if (path.length > MAX_JSON_DEPTH) {
    throw ApiError.validation(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertSafeJson(item, [...path, index]));
    return;
  }
  if (value === null || typeof value !== 'object') return;

  for (const [key, item] of Object.entries(value)) {
    const where = path.length === 0 ? 'the request body' : `\`${formatPath(path)}\``;
    if (key.startsWith('$')) {
      throw ApiError.validation(`Field \`${key}\` in ${where} is not allowed: field names must not start with "$".`);
    }
    if (FORBIDDEN_KEYS.has(key)) {
      throw ApiError.validation(`Field \`${key}\` in ${where} is not allowed.`);
    }
    assertSafeJson(item, [...path, key]);
  }
}

/** Decoder that rejects invalid UTF-8 instead of replacing it with U+FFFD, which would store altered text. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the body as JSON in UTF-8, whatever its Content-Type. Returns undefined
 * for an empty body: the official client sends `Content-Type: application/json`
 * without a body on POST requests that take none.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const bytes = await c.req.arrayBuffer();
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    throw new ApiError(400, 'validation_error', 'The request body is not valid UTF-8; send JSON encoded as UTF-8.');
  }
  if (text.trim() === '') return undefined;

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'validation_error', 'The request body is not valid JSON.');
  }
  assertSafeJson(data);
  return data;
}

/** Parses the JSON body with `schema`; an empty body is checked as undefined. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const data = await readJsonBody(c);
  if (data === undefined) throw ApiError.validation('The request body is missing; send a JSON object.');
  return parseWith(schema, data, 'body');
}

/** Accepts no body, an empty body or `{}`, for POST endpoints that take no input. */
export async function expectNoBody(c: Context): Promise<void> {
  const data = await readJsonBody(c);
  if (data === undefined) return;
  parseWith(z.strictObject({}), data, 'body');
}

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseWith(schema, c.req.query(), 'query');
}

/** Reads a UUID path parameter in lower case; a malformed one is 422 `invalid_parameter`. */
export function uuidParam(c: Context, name: string): string {
  const value = (c.req.param(name) ?? '').toLowerCase();
  if (!isUuid(value)) {
    throw ApiError.invalidParameter(`Path parameter \`${name}\` must be a UUID, got "${truncate(value)}".`);
  }
  return value;
}

/** Shortens a client-supplied value before it goes into a message. */
export function truncate(value: string, max = 64): string {
  return value.length <= max ? value : `${value.slice(0, max)}…`;
}
