/**
 * Lookup of `event.*`, `contact.*` and `wait_events.*` paths, and resolution
 * of `{ var: "..." }` references in step configs against a run's data.
 */
import { isVarRef } from './graph.js';
import type { ContactSnapshot } from '../workflows/contract.js';

/** Contact fields stored on the contact itself. Any other `contact.<key>` is a custom property. */
export const CONTACT_FIELDS = ['id', 'email', 'first_name', 'last_name', 'unsubscribed'] as const;

/** Data a run can read: the trigger payload, the contact, and payloads of events it waited for. */
export interface VariableContext {
  event: Record<string, unknown>;
  contact: ContactSnapshot | null;
  /** Payloads of events received by `wait_for_event` steps, by event name. */
  waitEvents: Record<string, Record<string, unknown>>;
}

function hasOwn(value: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

/**
 * Walks `segments` into `value`, reading own properties of objects and
 * non-negative integer indexes of arrays. Returns undefined when a segment is
 * absent. Inherited properties such as `constructor` count as absent.
 */
export function readPath(value: unknown, segments: readonly string[]): unknown {
  let current: unknown = value;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null && hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Reads `contact.<field>` (`segments` excludes "contact"). Built-in fields come
 * first, so a custom property named like a built-in field is reachable only as
 * `contact.properties.<key>`. Returns undefined when the contact or the field is absent.
 */
export function readContactField(contact: ContactSnapshot | null, segments: readonly string[]): unknown {
  if (!contact) return undefined;

  const [first, ...rest] = segments;
  if (first === undefined) return undefined;
  if ((CONTACT_FIELDS as readonly string[]).includes(first)) {
    return readPath(contact[first as (typeof CONTACT_FIELDS)[number]], rest);
  }
  if (first === 'properties') return readPath(contact.properties, rest);
  return readPath(contact.properties, segments);
}

/**
 * Reads an `event.*` or `contact.*` path. Returns undefined when the field is
 * absent or the path names neither namespace.
 */
export function readField(path: string, context: Pick<VariableContext, 'event' | 'contact'>): unknown {
  const [namespace, ...segments] = path.split('.');
  if (segments.length === 0) return undefined;
  if (namespace === 'event') return readPath(context.event, segments);
  if (namespace === 'contact') return readContactField(context.contact, segments);
  return undefined;
}

/**
 * Reads `wait_events.<event name>.<field>`. Event names may contain dots
 * (`payment.succeeded`), so the longest received event name that prefixes the
 * rest of the path wins.
 */
function readWaitEventField(rest: string, waitEvents: VariableContext['waitEvents']): unknown {
  const names = Object.keys(waitEvents).sort((a, b) => b.length - a.length);
  const name = names.find((candidate) => rest.startsWith(`${candidate}.`));
  if (name === undefined) return undefined;

  const field = rest.slice(name.length + 1);
  return readPath(waitEvents[name], field.split('.'));
}

/** Reads any path a `{ var }` reference may name. Returns undefined when it cannot be resolved. */
export function readVariable(path: string, context: VariableContext): unknown {
  const waitPrefix = 'wait_events.';
  if (path.startsWith(waitPrefix)) return readWaitEventField(path.slice(waitPrefix.length), context.waitEvents);
  return readField(path, context);
}

/**
 * Resolves a `{ var: "..." }` reference to its current value, or undefined
 * when nothing is found so the caller can apply a fallback. Any other value
 * is a literal and is returned unchanged.
 */
export function resolveValue(value: unknown, context: VariableContext): unknown {
  return isVarRef(value) ? readVariable(value.var, context) : value;
}

/** Resolves every value of `record` with resolveValue. Keys whose value resolves to undefined are kept. */
export function resolveRecord(record: Record<string, unknown>, context: VariableContext): Record<string, unknown> {
  // fromEntries defines own properties, so even a "__proto__" key stays a plain key.
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, resolveValue(value, context)]));
}
