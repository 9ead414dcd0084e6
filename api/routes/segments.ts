/** /segments: named groups of contacts. */
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadSegment } from '../lookups.js';
import { listResponse, pagedQuery, toPageRequest } from '../schemas/common.js';
import { segmentBody } from '../schemas/segments.js';
import { contactListItem } from '../serializers/contacts.js';
import { segmentListItem, segmentObject } from '../serializers/segments.js';
import { parseBody, parseQuery, uuidParam } from '../validation.js';

export function createSegmentsRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post('/', async (c) => {
    const body = await parseBody(c, segmentBody);
    const segment = await c.var.services.repos.segments.create(body.name);
    return c.json({ object: 'segment' as const, id: segment._id, name: segment.name }, 201);
  });

  routes.get('/', async (c) => {
    const query = parseQuery(c, pagedQuery({}));
    const page = await c.var.services.repos.segments.list(toPageRequest(query));
    return c.json(listResponse(page, segmentListItem));
  });

  routes.get('/:id', async (c) => {
    return c.json(segmentObject(await loadSegment(c)));
  });

  routes.patch('/:id', async (c) => {
    const id = uuidParam(c, 'id');
    const body = await parseBody(c, segmentBody);
    const segment = await c.var.services.repos.segments.rename(id, body.name);
    if (!segment) throw ApiError.notFound(`Segment ${id} was not found.`);
    return c.json({ object: 'segment' as const, id: segment._id });
  });

  routes.delete('/:id', async (c) => {
    const id = uuidParam(c, 'id');
    const deleted = await c.var.services.repos.segments.delete(id);
    if (!deleted) throw ApiError.notFound(`Segment ${id} was not found.`);
    return c.json({ object: 'segment' as const, id, deleted: true });
  });

  routes.get('/:id/contacts', async (c) => {
    const segment = await loadSegment(c);
    const query = parseQuery(c, pagedQuery({}));
    const { repos } = c.var.services;

    const ids = await repos.segments.listContactIdsPage(segment._id, toPageRequest(query));
    const contacts = await repos.contacts.findManyByIds(ids.items);
    const byId = new Map(contacts.map((contact) => [contact._id, contact]));
    // Keeps the page order and drops memberships whose contact is gone.
    const items = ids.items.flatMap((id) => byId.get(id) ?? []);
    return c.json(listResponse({ items, hasMore: ids.hasMore }, contactListItem));
  });

  return routes;
}
