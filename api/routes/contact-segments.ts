/** /contacts/:id_or_email/segments: a contact's segment memberships. */
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadContact, loadSegment } from '../lookups.js';
import { listResponse, pagedQuery, toPageRequest } from '../schemas/common.js';
import { segmentListItem } from '../serializers/segments.js';
import { expectNoBody, parseQuery } from '../validation.js';

export function createContactSegmentsRoutes() {
  const routes = new Hono<AppEnv>();

  routes.get('/:id_or_email/segments', async (c) => {
    const contact = await loadContact(c);
    const query = parseQuery(c, pagedQuery({}));
    const page = await c.var.services.repos.segments.listContactSegmentsPage(contact._id, toPageRequest(query));
    return c.json(listResponse(page, segmentListItem));
  });

  // 201 when the contact joins the segment, 200 when it already was a member.
  routes.post('/:id_or_email/segments/:segment_id', async (c) => {
    const contact = await loadContact(c);
    const segment = await loadSegment(c, 'segment_id');
    await expectNoBody(c);
    const added = await c.var.services.repos.segments.addContact(segment._id, contact._id);
    return c.json({ object: 'segment' as const, id: segment._id, contact_id: contact._id }, added ? 201 : 200);
  });

  routes.delete('/:id_or_email/segments/:segment_id', async (c) => {
    const contact = await loadContact(c);
    const segment = await loadSegment(c, 'segment_id');
    const removed = await c.var.services.repos.segments.removeContact(segment._id, contact._id);
    if (!removed) throw ApiError.notFound(`Contact ${contact._id} is not in segment ${segment._id}.`);
    return c.json({ object: 'segment' as const, id: segment._id, contact_id: contact._id, deleted: true });
  });

  return routes;
}
