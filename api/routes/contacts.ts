/** /contacts: people the automations email, addressed by id or email address. */
import { Hono } from 'hono';
import { assertDeclaredProperties } from '../contact-property-values.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadContact } from '../lookups.js';
import { listResponse, pagedQuery, toPageRequest } from '../schemas/common.js';
import { createContactBody, updateContactBody } from '../schemas/contacts.js';
import { contactListItem, contactObject } from '../serializers/contacts.js';
import { parseBody, parseQuery } from '../validation.js';
import { createContactSegmentsRoutes } from './contact-segments.js';
import { assertTopicsExist, createContactTopicsRoutes } from './contact-topics.js';

export function createContactsRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post('/', async (c) => {
    const body = await parseBody(c, createContactBody);
    const { repos } = c.var.services;

    // Checked before the insert, so a rejected request stores nothing.
    const segmentIds = [...new Set((body.segments ?? []).map((segment) => segment.id))];
    const missing = await repos.segments.findMissingIds(segmentIds);
    if (missing.length > 0) {
      throw ApiError.validation(`\`segments\` names segment ${missing[0]}, which does not exist.`);
    }
    await assertDeclaredProperties(repos, body.properties);
    const topics = body.topics ?? [];
    await assertTopicsExist(repos, '`topics`', topics.map((topic) => topic.id));

    const contact = await repos.contacts.create(body);
    if (!contact) {
      throw ApiError.validation(
        `A contact with email ${body.email.toLowerCase()} already exists; change it with PATCH /contacts/{email}.`,
      );
    }
    for (const segmentId of segmentIds) await repos.segments.addContact(segmentId, contact._id);
    await repos.topics.setSubscriptions(
      contact._id,
      topics.map((topic) => ({ topicId: topic.id, subscription: topic.subscription })),
    );
    return c.json({ object: 'contact' as const, id: contact._id }, 201);
  });

  routes.get('/', async (c) => {
    const query = parseQuery(c, pagedQuery({}));
    const page = await c.var.services.repos.contacts.list(toPageRequest(query));
    return c.json(listResponse(page, contactListItem));
  });

  routes.get('/:id_or_email', async (c) => {
    const contact = await loadContact(c);
    const declarations = await c.var.services.repos.contactProperties.listAll();
    return c.json(contactObject(contact, declarations));
  });

  routes.patch('/:id_or_email', async (c) => {
    const contact = await loadContact(c);
    const changes = await parseBody(c, updateContactBody);
    await assertDeclaredProperties(c.var.services.repos, changes.properties);
    const updated = await c.var.services.repos.contacts.update(contact._id, changes);
    if (!updated) throw ApiError.notFound(`Contact ${contact._id} was not found.`);
    return c.json({ object: 'contact' as const, id: updated._id });
  });

  routes.delete('/:id_or_email', async (c) => {
    const contact = await loadContact(c);
    const deleted = await c.var.services.repos.contacts.delete(contact._id);
    if (!deleted) throw ApiError.notFound(`Contact ${contact._id} was not found.`);
    return c.json({ object: 'contact' as const, contact: contact._id, deleted: true });
  });

  routes.route('/', createContactSegmentsRoutes());
  routes.route('/', createContactTopicsRoutes());

  return routes;
}
