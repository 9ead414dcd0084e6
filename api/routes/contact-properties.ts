/** /contact-properties: the property keys contacts may hold, each with a type and a fallback value. */
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadContactProperty } from '../lookups.js';
import { listResponse, pagedQuery, toPageRequest } from '../schemas/common.js';
import { createContactPropertyBody, updateContactPropertyBody } from '../schemas/contact-properties.js';
import { contactPropertyListItem, contactPropertyObject } from '../serializers/contact-properties.js';
import { parseBody, parseQuery } from '../validation.js';

export function createContactPropertiesRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post('/', async (c) => {
    const body = await parseBody(c, createContactPropertyBody);
    const property = await c.var.services.repos.contactProperties.create({
      key: body.key,
      type: body.type,
      fallback_value: body.fallback_value ?? null,
    });
    if (!property) {
      throw ApiError.validation(`Contact property "${body.key}" already exists. Change its fallback with PATCH /contact-properties/{id}.`);
    }
    return c.json({ object: 'contact_property' as const, id: property._id }, 201);
  });

  routes.get('/', async (c) => {
    const query = parseQuery(c, pagedQuery({}));
    const page = await c.var.services.repos.contactProperties.list(toPageRequest(query));
    return c.json(listResponse(page, contactPropertyListItem));
  });

  routes.get('/:id', async (c) => {
    return c.json(contactPropertyObject(await loadContactProperty(c)));
  });

  routes.patch('/:id', async (c) => {
    const property = await loadContactProperty(c);
    const body = await parseBody(c, updateContactPropertyBody);
    if (body.key !== undefined || body.type !== undefined) {
      throw ApiError.validation(
        'The `key` and `type` of a contact property cannot change. Delete the property and create it again.',
      );
    }
    if (body.fallback_value === undefined) throw ApiError.missingField('Missing required field `fallback_value`.');
    if (body.fallback_value !== null && typeof body.fallback_value !== property.type) {
      throw ApiError.validation(`\`fallback_value\` must be a ${property.type}, because contact property "${property.key}" has type ${property.type}.`);
    }

    const updated = await c.var.services.repos.contactProperties.setFallback(property._id, body.fallback_value);
    if (!updated) throw ApiError.notFound(`Contact property ${property._id} was not found.`);
    return c.json({ object: 'contact_property' as const, id: updated._id });
  });

  // The declaration goes first, so contact writes that start after it cannot
  // set the property again.
  routes.delete('/:id', async (c) => {
    const property = await loadContactProperty(c);
    const { repos } = c.var.services;
    const deleted = await repos.contactProperties.delete(property._id);
    if (!deleted) throw ApiError.notFound(`Contact property ${property._id} was not found.`);

    await repos.contacts.removePropertyFromAll(property.key);
    return c.json({ object: 'contact_property' as const, id: property._id, deleted: true });
  });

  return routes;
}
