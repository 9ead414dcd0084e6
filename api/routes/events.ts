/**
 * POST /events/send: starts a run of every enabled automation triggered by
 * the event and delivers the event to the contact's runs in progress.
 */
import { Hono } from 'hono';
import { deterministicUuidv7, uuidv7 } from '../../domain/ids.js';
import type { ContactDoc } from '../../repositories/contacts.js';
import type { AppEnv, Services } from '../context.js';
import { forEachWithConcurrency } from '../concurrency.js';
import { ApiError } from '../errors.js';
import { sendEventBody } from '../schemas/events.js';
import { parseBody } from '../validation.js';

/** Runs started at once for one event. */
export const START_CONCURRENCY = 20;

async function resolveContact(
  services: Services,
  target: { contact_id?: string | undefined; email?: string | undefined },
): Promise<ContactDoc> {
  if (target.contact_id !== undefined) {
    const contact = await services.repos.contacts.findById(target.contact_id);
    if (!contact) throw ApiError.notFound(`Contact ${target.contact_id} was not found.`);
    return contact;
  }
  const { contact, created } = await services.repos.contacts.findOrCreateByEmail(target.email!);
  if (created) services.log.info({ contactId: contact._id }, 'created a contact for an event sent by email address');
  return contact;
}

/** Runs an engine call, turning its failure into 503 `application_error`. */
async function withEngine(services: Services, ids: { eventId: string; contactId: string }, call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    services.log.error({ err: error, ...ids }, 'failed to hand an event to the workflow engine');
    throw ApiError.engineUnavailable('The event was not accepted because the workflow engine is unavailable. Retry the request.');
  }
}

export function createEventsRoutes() {
  const routes = new Hono<AppEnv>();

  /**
   * Responds 202 only after every run has started and the event has been
   * signalled, so the event is durable in Temporal once accepted. When the
   * engine fails, the response is 503 `application_error`. Runs already
   * started keep going, and a retry sends the event again under a new event id.
   */
  routes.post('/send', async (c) => {
    const body = await parseBody(c, sendEventBody);
    const { services } = c.var;
    const { repos, engine, log } = services;

    const contact = await resolveContact(services, body);
    const automations = await repos.automations.findEnabledByTriggerEvent(body.event);

    const eventId = uuidv7();
    const acceptedAt = Date.now();
    const payload = body.payload ?? {};
    const trigger = { eventId, event: body.event, payload };

    const startedRunIds = new Set<string>();
    await withEngine(services, { eventId, contactId: contact._id }, () =>
      forEachWithConcurrency(automations, START_CONCURRENCY, async (automation) => {
        const runId = deterministicUuidv7(`${eventId}:${automation.id}`, acceptedAt);
        startedRunIds.add(runId);
        await engine.startRun({
          runId,
          automationId: automation.id,
          contactId: contact._id,
          createdAt: acceptedAt,
          trigger,
          graph: automation.graph,
        });
      }),
    );

    // The mirror may already list the runs just started; they are left out,
    // so a run never receives the event that started it.
    const waitingRunIds = await repos.runs.findRunningIdsByContact(contact._id);
    const recipients = waitingRunIds.filter((runId) => !startedRunIds.has(runId));
    if (recipients.length > 0) {
      await withEngine(services, { eventId, contactId: contact._id }, () =>
        engine.deliverEvent(recipients, { ...trigger, contact: repos.contacts.toSnapshot(contact) }),
      );
    }

    log.info(
      { eventId, event: body.event, contactId: contact._id, runsStarted: startedRunIds.size },
      'accepted an event',
    );
    return c.json({ object: 'event' as const, event: body.event }, 202);
  });

  return routes;
}
