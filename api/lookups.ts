/**
 * Loading the resource named in a path, with the errors every route gives:
 * 422 `invalid_parameter` for a malformed identifier, 404 `not_found` for an unknown one.
 */
import type { Context } from 'hono';
import { isUuid } from '../domain/ids.js';
import type { Automation } from '../repositories/automations.js';
import type { ContactPropertyDoc } from '../repositories/contact-properties.js';
import type { ContactDoc } from '../repositories/contacts.js';
import type { EventDefinitionDoc } from '../repositories/event-definitions.js';
import type { SegmentDoc } from '../repositories/segments.js';
import type { TemplateDoc } from '../repositories/templates.js';
import type { TopicDoc } from '../repositories/topics.js';
import type { AppEnv } from './context.js';
import { ApiError } from './errors.js';
import { emailAddress } from './schemas/common.js';
import { MAX_EVENT_NAME_LENGTH } from './schemas/events.js';
import { ALIAS_PATTERN } from './schemas/templates.js';
import { truncate, uuidParam } from './validation.js';

type AppContext = Context<AppEnv>;

/** Loads the contact named by a path parameter holding a contact id or an email address. */
export async function loadContact(c: AppContext, name = 'id_or_email'): Promise<ContactDoc> {
  const raw = c.req.param(name) ?? '';
  const contacts = c.var.services.repos.contacts;

  if (isUuid(raw.toLowerCase())) {
    const contact = await contacts.findById(raw.toLowerCase());
    if (!contact) throw ApiError.notFound(`Contact ${raw.toLowerCase()} was not found.`);
    return contact;
  }
  if (!emailAddress.safeParse(raw).success) {
    throw ApiError.invalidParameter(
      `Path parameter \`${name}\` must be a contact id (UUID) or an email address, got "${truncate(raw)}".`,
    );
  }
  const contact = await contacts.findByEmail(raw);
  if (!contact) throw ApiError.notFound(`No contact has the email address ${truncate(raw)}.`);
  return contact;
}

/** Loads the template named by a path parameter holding a template id or alias. */
export async function loadTemplate(c: AppContext, name = 'id_or_alias'): Promise<TemplateDoc> {
  const raw = c.req.param(name) ?? '';
  const value = isUuid(raw.toLowerCase()) ? raw.toLowerCase() : raw;
  if (!isUuid(value) && !ALIAS_PATTERN.test(value)) {
    throw ApiError.invalidParameter(
      `Path parameter \`${name}\` must be a template id (UUID) or an alias of letters, digits, "_" or "-", got "${truncate(raw)}".`,
    );
  }
  const template = await c.var.services.repos.templates.findByIdOrAlias(value);
  if (!template) throw ApiError.notFound(`Template ${value} was not found.`);
  return template;
}

export async function loadSegment(c: AppContext, name = 'id'): Promise<SegmentDoc> {
  const id = uuidParam(c, name);
  const segment = await c.var.services.repos.segments.findById(id);
  if (!segment) throw ApiError.notFound(`Segment ${id} was not found.`);
  return segment;
}

export async function loadAutomation(c: AppContext, name = 'id'): Promise<Automation> {
  const id = uuidParam(c, name);
  const automation = await c.var.services.repos.automations.findById(id);
  if (!automation) throw ApiError.notFound(`Automation ${id} was not found.`);
  return automation;
}

/** Loads the event definition named by a path parameter holding its id or its event name. */
export async function loadEventDefinition(c: AppContext, name = 'id_or_name'): Promise<EventDefinitionDoc> {
  const raw = c.req.param(name) ?? '';
  const value = isUuid(raw.toLowerCase()) ? raw.toLowerCase() : raw;
  if (value === '' || value.length > MAX_EVENT_NAME_LENGTH) {
    throw ApiError.invalidParameter(
      `Path parameter \`${name}\` must be an event definition id (UUID) or an event name of 1 to ${MAX_EVENT_NAME_LENGTH} characters.`,
    );
  }
  const definition = await c.var.services.repos.eventDefinitions.findByIdOrName(value);
  if (!definition) throw ApiError.notFound(`Event definition ${truncate(value)} was not found.`);
  return definition;
}

export async function loadContactProperty(c: AppContext, name = 'id'): Promise<ContactPropertyDoc> {
  const id = uuidParam(c, name);
  const property = await c.var.services.repos.contactProperties.findById(id);
  if (!property) throw ApiError.notFound(`Contact property ${id} was not found.`);
  return property;
}

export async function loadTopic(c: AppContext, name = 'id'): Promise<TopicDoc> {
  const id = uuidParam(c, name);
  const topic = await c.var.services.repos.topics.findById(id);
  if (!topic) throw ApiError.notFound(`Topic ${id} was not found.`);
  return topic;
}
