/**
 * /unsubscribe/:token: the signed link in every email. It needs no API key,
 * because the token itself proves which contact (and topic) it is for.
 * GET shows a confirmation page; POST with `List-Unsubscribe=One-Click`
 * unsubscribes, as RFC 8058 describes for mail clients' one-click buttons.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { UnsubscribeTarget } from '../../domain/unsubscribe-token.js';
import type { UnsubscribeLinks } from '../../mail/unsubscribe-links.js';
import type { ContactDoc } from '../../repositories/contacts.js';
import type { Repositories } from '../../repositories/db.js';
import type { ContactTopic } from '../../repositories/topics.js';
import { MAX_PAGE_LIMIT } from '../../repositories/cursor.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { confirmationPage, invalidLinkPage, resultPage } from '../unsubscribe-pages.js';

const INVALID_LINK_MESSAGE = 'The unsubscribe link is invalid or its contact no longer exists.';

interface ResolvedLink {
  target: UnsubscribeTarget;
  contact: ContactDoc;
}

/** Verifies the token and loads its contact; null for a forged or altered token or a deleted contact. */
async function resolveLink(c: Context<AppEnv>, links: UnsubscribeLinks): Promise<ResolvedLink | null> {
  const target = await links.verify(c.req.param('token') ?? '');
  if (target === null) {
    // The token is left out: a valid-looking one would let a log reader unsubscribe its contact.
    c.var.services.log.warn({ method: c.req.method }, 'rejected an unsubscribe link whose token is not validly signed');
    return null;
  }
  const contact = await c.var.services.repos.contacts.findById(target.contactId);
  return contact === null ? null : { target, contact };
}

/**
 * Lists the topics offered on the page.
 * NOTE: only the first MAX_PAGE_LIMIT topics, newest first, appear on the page.
 */
async function listTopics(repos: Repositories, contactId: string): Promise<ContactTopic[]> {
  const page = await repos.topics.listContactTopicsPage(contactId, { limit: MAX_PAGE_LIMIT });
  return page.items;
}

/** Reads a form field that may repeat, such as one `topic` per checked box. */
function readAll(form: Record<string, string | File | Array<string | File>>, name: string): string[] {
  const value = form[name];
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.filter((item): item is string => typeof item === 'string');
}

/** Parses the form body; a malformed one (such as multipart without its boundary) is 400, not a server error. */
async function readForm(c: Context<AppEnv>): Promise<Record<string, string | File | Array<string | File>>> {
  try {
    return await c.req.parseBody({ all: true });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new ApiError(
      400,
      'validation_error',
      'The request body is not a valid form; send the field List-Unsubscribe=One-Click as application/x-www-form-urlencoded.',
    );
  }
}

export function createUnsubscribeRoutes(links: UnsubscribeLinks) {
  const routes = new Hono<AppEnv>();

  routes.get('/:token', async (c) => {
    const link = await resolveLink(c, links);
    if (link === null) return c.html(invalidLinkPage(), 404);

    const { repos } = c.var.services;
    const topic = link.target.topicId === null ? null : await repos.topics.findById(link.target.topicId);
    return c.html(
      confirmationPage({
        email: link.contact.email,
        topic: topic === null ? null : { name: topic.name },
        unsubscribed: link.contact.unsubscribed,
        topics: await listTopics(repos, link.contact._id),
      }),
    );
  });

  routes.post('/:token', async (c) => {
    const link = await resolveLink(c, links);
    if (link === null) throw ApiError.notFound(INVALID_LINK_MESSAGE);

    const form = await readForm(c);
    const { repos, log } = c.var.services;
    const { contact, target } = link;

    if (form['List-Unsubscribe'] === 'One-Click') {
      if (target.topicId !== null && (await repos.topics.findById(target.topicId)) !== null) {
        await repos.topics.setSubscriptions(contact._id, [{ topicId: target.topicId, subscription: 'opt_out' }]);
        log.info({ contactId: contact._id, topicId: target.topicId }, 'contact opted out of a topic through its unsubscribe link');
        return c.html(resultPage('You will no longer receive emails about this topic.'));
      }
      // A link for a topic that was deleted since unsubscribes from all email, the safer reading of the request.
      await repos.contacts.update(contact._id, { unsubscribed: true });
      log.info({ contactId: contact._id }, 'contact unsubscribed through its unsubscribe link');
      return c.html(resultPage('You are unsubscribed and will no longer receive these emails.'));
    }

    if (form.action === 'preferences') {
      const chosen = new Set(readAll(form, 'topic'));
      const topics = await listTopics(repos, contact._id);
      await repos.topics.setSubscriptions(
        contact._id,
        topics.map(({ topic }) => ({ topicId: topic._id, subscription: chosen.has(topic._id) ? 'opt_in' : 'opt_out' })),
      );
      log.info({ contactId: contact._id, topicsChosen: chosen.size }, 'contact saved topic choices through its unsubscribe link');
      return c.html(resultPage('Your choices are saved.'));
    }

    throw new ApiError(
      400,
      'validation_error',
      'The request body must be the form field List-Unsubscribe=One-Click (application/x-www-form-urlencoded), as RFC 8058 specifies.',
    );
  });

  return routes;
}
