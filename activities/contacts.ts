import { ApplicationFailure } from '@temporalio/activity';
import { findPropertyViolation, type ContactPropertyDefinition } from '../domain/contact-properties.js';
import type { Scalar } from '../domain/graph.js';
import { resolveValue } from '../domain/variables.js';
import type { ContactSnapshot } from '../workflows/contract.js';
import { STEP_FAILURE } from '../domain/step-failures.js';
import type { ContactUpdateInput, RunActivities, VariableContext } from './types.js';

export interface ContactChanges {
  first_name?: string | null;
  last_name?: string | null;
  unsubscribed?: boolean;
  properties?: Record<string, string | number | boolean | null>;
}

/** The contact repository methods the activities use. */
export interface ContactStore<Doc = unknown> {
  findById(id: string): Promise<Doc | null>;
  update(id: string, changes: ContactChanges): Promise<Doc | null>;
  delete(id: string): Promise<unknown>;
  toSnapshot(doc: Doc): ContactSnapshot;
}

/** The declared contact properties, which a contact_update step may write. */
export interface ContactPropertyStore {
  findByKeys(keys: string[]): Promise<ContactPropertyDefinition[]>;
}

export interface SegmentStore {
  findById(id: string): Promise<unknown>;
  addContact(segmentId: string, contactId: string): Promise<unknown>;
}

type ContactActivities = Pick<RunActivities, 'loadContact' | 'updateContact' | 'deleteContact' | 'addToSegment'>;

export function createContactActivities(deps: {
  contacts: ContactStore;
  segments: SegmentStore;
  contactProperties: ContactPropertyStore;
}): ContactActivities {
  const { contacts, segments, contactProperties } = deps;
  return {
    async loadContact({ contactId }) {
      const doc = await contacts.findById(contactId);
      return doc ? contacts.toSnapshot(doc) : null;
    },

    async updateContact(input) {
      const contact = await requireContact(contacts, input.contactId);
      const changes = resolveChanges(input, contact);
      await assertDeclared(contactProperties, changes.properties);
      const updated = await contacts.update(input.contactId, changes);
      if (!updated) {
        throw ApplicationFailure.nonRetryable(`contact ${input.contactId} no longer exists`, STEP_FAILURE.contactNotFound);
      }
      return { updated: { ...changes } };
    },

    async deleteContact({ contactId }) {
      const result = await contacts.delete(contactId);
      return { deleted: Boolean(result) };
    },

    async addToSegment({ contactId, segmentId }) {
      await requireContact(contacts, contactId);
      if (!(await segments.findById(segmentId))) {
        throw ApplicationFailure.nonRetryable(`segment ${segmentId} does not exist`, STEP_FAILURE.segmentNotFound);
      }
      await segments.addContact(segmentId, contactId);
      return { segment_id: segmentId };
    },
  };
}

/**
 * Resolves `{ var }` references in a contact_update config. A reference with no
 * value leaves that field unchanged; a value of the wrong type fails the step.
 */
function resolveChanges(input: ContactUpdateInput, contact: ContactSnapshot): ContactChanges {
  const context = { ...variableContext(input.context), contact };
  const changes: ContactChanges = {};
  const { first_name, last_name, unsubscribed, properties } = input.config;

  for (const [field, raw] of [['first_name', first_name], ['last_name', last_name]] as const) {
    if (raw === undefined) continue;
    const value = resolveValue(raw, context);
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') throw invalidValue(field, 'a string or null', value);
    changes[field] = value;
  }

  if (unsubscribed !== undefined) {
    const value = resolveValue(unsubscribed, context);
    if (value !== undefined) {
      if (typeof value !== 'boolean') throw invalidValue('unsubscribed', 'true or false', value);
      changes.unsubscribed = value;
    }
  }

  if (properties) {
    const resolved: Record<string, Scalar> = {};
    for (const [key, raw] of Object.entries(properties)) {
      const value = resolveValue(raw, context);
      if (value === undefined) continue;
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        throw invalidValue(`properties.${key}`, 'a string, number, boolean or null', value);
      }
      resolved[key] = value as Scalar;
    }
    if (Object.keys(resolved).length > 0) changes.properties = resolved;
  }
  return changes;
}

/** Fails the step when it writes a property that is not declared, or a value of another type. */
async function assertDeclared(store: ContactPropertyStore, properties: ContactChanges['properties']): Promise<void> {
  if (properties === undefined) return;
  const definitions = await store.findByKeys(Object.keys(properties));
  const violation = findPropertyViolation(definitions, properties);
  if (violation === null) return;

  if (violation.reason === 'undeclared') {
    throw ApplicationFailure.nonRetryable(
      `contact_update property "${violation.key}" is not a declared contact property; declare it with POST /contact-properties, then run the automation again`,
      STEP_FAILURE.propertyNotDeclared,
    );
  }
  throw invalidValue(`properties.${violation.key}`, `a ${violation.expected}`, violation.value);
}

function variableContext(context: VariableContext) {
  return { event: context.event, waitEvents: context.waitEvents };
}

function invalidValue(field: string, expected: string, value: unknown): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `contact_update field "${field}" must be ${expected}, but its variable resolved to ${JSON.stringify(value)}`,
    STEP_FAILURE.invalidValue,
  );
}

/** Loads a contact as the snapshot steps work with, or fails the step if it is gone. */
export async function requireContact(contacts: ContactStore, contactId: string): Promise<ContactSnapshot> {
  const doc = await contacts.findById(contactId);
  if (!doc) {
    throw ApplicationFailure.nonRetryable(
      `contact ${contactId} no longer exists; it may have been deleted`,
      STEP_FAILURE.contactNotFound,
    );
  }
  return contacts.toSnapshot(doc);
}
