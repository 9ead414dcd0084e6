/** /emails: the emails that automation runs sent, read-only. */
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { listResponse, pagedQuery, toPageRequest } from '../schemas/common.js';
import { emailListItem, emailObject } from '../serializers/emails.js';
import { parseQuery, uuidParam } from '../validation.js';

export function createEmailsRoutes() {
  const routes = new Hono<AppEnv>();

  routes.get('/', async (c) => {
    const query = parseQuery(c, pagedQuery({}));
    const page = await c.var.services.repos.emails.list(toPageRequest(query));
    return c.json(listResponse(page, emailListItem));
  });

  routes.get('/:id', async (c) => {
    const id = uuidParam(c, 'id');
    const email = await c.var.services.repos.emails.findById(id);
    if (!email) throw ApiError.notFound(`Email ${id} was not found.`);
    return c.json(emailObject(email));
  });

  return routes;
}
