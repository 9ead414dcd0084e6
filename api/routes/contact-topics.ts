/** /contacts/:id_or_email/topics: a contact's subscription to each topic. */
import { Hono } from 'hono';
import type { Repositories } from '../../repositories/db.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadContact } from '../lookups.js';
import { listResponse, pagedQuery, toPageRequest } from '../schemas/common.js';
import { topicChoices } from '../schemas/topics.js';
import { contactTopicItem } from '../serializers/topics.js';
import { parseBody, parseQuery } from '../validation.js';

/** Throws a 422 ApiError when a choice names a topic that does not exist; `where` starts the message. */
export async function assertTopicsExist(repos: Pick<Repositories, 'topics'>, where: string, ids: string[]): Promise<void> {
  const missing = await repos.topics.findMissingIds(ids);
  if (missing.length > 0) {
    throw ApiError.validation(`${where} names topic ${missing[0]}, which does not exist. Create it with POST /topics first.`);
  }
}

export function createContactTopicsRoutes() {
  const routes = new Hono<AppEnv>();

  // Lists every topic, each with the contact's own choice or else the topic's default.
  routes.get('/:id_or_email/topics', async (c) => {
    const contact = await loadContact(c);
    const query = parseQuery(c, pagedQuery({}));
    const page = await c.var.services.repos.topics.listContactTopicsPage(contact._id, toPageRequest(query));
    return c.json(listResponse(page, contactTopicItem));
  });

  routes.patch('/:id_or_email/topics', async (c) => {
    const contact = await loadContact(c);
    const choices = await parseBody(c, topicChoices);
    const { repos } = c.var.services;

    // Checked before any write, so a request naming an unknown topic changes nothing.
    await assertTopicsExist(repos, 'The request body', choices.map((choice) => choice.id));
    await repos.topics.setSubscriptions(
      contact._id,
      choices.map((choice) => ({ topicId: choice.id, subscription: choice.subscription })),
    );
    return c.json({ object: 'contact' as const, id: contact._id });
  });

  return routes;
}
