/** /events and /events/:id_or_name: event definitions, each a name with an optional payload schema. */
import { Hono } from 'hono';
import type { EventSchemaField } from '../../domain/event-schema.js';
import type { EventFieldType } from '../../domain/event-schema.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadEventDefinition } from '../lookups.js';
import { listResponse, pagedQuery, toPageRequest } from '../schemas/common.js';
import { createEventBody, updateEventBody } from '../schemas/events.js';
import { eventListItem, eventObject } from '../serializers/events.js';
import { parseBody, parseQuery } from '../validation.js';

function toSchemaFields(schema: Record<string, EventFieldType> | null | undefined): EventSchemaField[] | null {
  if (schema === null || schema === undefined) return null;
  return Object.entries(schema).map(([field, type]) => ({ field, type }));
}

export function createEventDefinitionsRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post('/', async (c) => {
    const body = await parseBody(c, createEventBody);
    const definition = await c.var.services.repos.eventDefinitions.create({
      name: body.name,
      schema: toSchemaFields(body.schema),
    });
    if (!definition) {
      throw ApiError.validation(`Event "${body.name}" is already defined. Change its schema with PATCH /events/{name}.`);
    }
    return c.json({ object: 'event' as const, id: definition._id }, 201);
  });

  routes.get('/', async (c) => {
    const query = parseQuery(c, pagedQuery({}));
    const page = await c.var.services.repos.eventDefinitions.list(toPageRequest(query));
    return c.json(listResponse(page, eventListItem));
  });

  routes.get('/:id_or_name', async (c) => {
    return c.json(eventObject(await loadEventDefinition(c)));
  });

  routes.patch('/:id_or_name', async (c) => {
    const definition = await loadEventDefinition(c);
    const body = await parseBody(c, updateEventBody);
    const updated = await c.var.services.repos.eventDefinitions.setSchema(definition._id, toSchemaFields(body.schema));
    if (!updated) throw ApiError.notFound(`Event definition ${definition._id} was not found.`);
    return c.json({ object: 'event' as const, id: updated._id });
  });

  routes.delete('/:id_or_name', async (c) => {
    const definition = await loadEventDefinition(c);
    const deleted = await c.var.services.repos.eventDefinitions.delete(definition._id);
    if (!deleted) throw ApiError.notFound(`Event definition ${definition._id} was not found.`);
    return c.json({ object: 'event' as const, id: definition._id, deleted: true });
  });

  return routes;
}
