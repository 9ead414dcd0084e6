/** /topics: subjects a contact can opt in to or out of, such as "Product updates". */
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadTopic } from '../lookups.js';
import { listResponse, pagedQuery, toPageRequest } from '../schemas/common.js';
import { createTopicBody, updateTopicBody } from '../schemas/topics.js';
import { topicListItem, topicObject } from '../serializers/topics.js';
import { parseBody, parseQuery, uuidParam } from '../validation.js';

export function createTopicsRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post('/', async (c) => {
    const body = await parseBody(c, createTopicBody);
    const topic = await c.var.services.repos.topics.create({
      name: body.name,
      description: body.description ?? null,
      default_subscription: body.default_subscription,
    });
    return c.json({ object: 'topic' as const, id: topic._id }, 201);
  });

  routes.get('/', async (c) => {
    const query = parseQuery(c, pagedQuery({}));
    const page = await c.var.services.repos.topics.list(toPageRequest(query));
    return c.json(listResponse(page, topicListItem));
  });

  routes.get('/:id', async (c) => {
    return c.json(topicObject(await loadTopic(c)));
  });

  routes.patch('/:id', async (c) => {
    const id = uuidParam(c, 'id');
    const body = await parseBody(c, updateTopicBody);
    if (body.id !== undefined && body.id !== id) {
      throw ApiError.validation(`\`id\` in the body is ${body.id} but the path names topic ${id}; send the same id or leave it out.`);
    }
    if (body.default_subscription !== undefined) {
      throw ApiError.validation(
        '`default_subscription` cannot change after a topic is created, because contacts without a choice rely on it. Create a new topic instead.',
      );
    }

    const topic = await c.var.services.repos.topics.update(id, { name: body.name, description: body.description });
    if (!topic) throw ApiError.notFound(`Topic ${id} was not found.`);
    return c.json({ object: 'topic' as const, id });
  });

  routes.delete('/:id', async (c) => {
    const id = uuidParam(c, 'id');
    const deleted = await c.var.services.repos.topics.delete(id);
    if (!deleted) throw ApiError.notFound(`Topic ${id} was not found.`);
    return c.json({ object: 'topic' as const, id, deleted: true });
  });

  return routes;
}
