/**
 * POST /events/send: starts a run of every enabled automation triggered by
 * the event and delivers the event to the contact's runs in progress. The
 * event definitions under /events are in ./event-definitions.ts.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { deterministicUuidv7, uuidv7 } from '../../domain/ids.js';
import type { ContactDoc } from '../../repositories/contacts.js';
import { sha256 } from '../../repositories/idempotency.js';
import type { AppEnv, Services } from '../context.js';
import { forEachWithConcurrency } from '../concurrency.js';
import { ApiError } from '../errors.js';
import { checkEventPayload } from '../event-payload.js';
import { sendEventBody } from '../schemas/events.js';
import { parseBody, truncate } from '../validation.js';
import { createEventDefinitionsRoutes } from './event-definitions.js';

/** Runs started at once for one event. */
export const START_CONCURRENCY = 20;

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,256}$/;
const IDEMPOTENCY_CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

type SendEventBody = z.output<typeof sendEventBody>;

async function requireContact(services: Services, contactId: string): Promise<ContactDoc> {
  const contact = await services.repos.contacts.findById(contactId);
  if (!contact) throw ApiError.notFound(`Contact ${contactId} was not found.`);
  return contact;
}

async function resolveContact(services: Services, body: SendEventBody): Promise<ContactDoc> {
  if (body.contact_id !== undefined) return requireContact(services, body.contact_id);
  const { contact, created } = await services.repos.contacts.findOrCreateByEmail(body.email!);
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

/**
 * Starts the event's runs and signals the contact's runs in progress. Run ids
 * derive from the event id and the automation id, so repeating this with the
 * same event id starts no run twice.
 */
async function acceptEvent(services: Services, body: SendEventBody, eventId: string, acceptedAt: number): Promise<void> {
  const { repos, engine, log } = services;
  // The two lookups are independent database round trips, so they run together.
  const [contact, automations] = await Promise.all([
    resolveContact(services, body),
    repos.automations.findEnabledByTriggerEvent(body.event),
  ]);
  const trigger = { eventId, event: body.event, payload: body.payload ?? {} };
  const ids = { eventId, contactId: contact._id };
  const runs = automations.map((automation) => ({
    automation,
    runId: deterministicUuidv7(`${eventId}:${automation.id}`, acceptedAt),
  }));
  const startedRunIds = new Set(runs.map((run) => run.runId));

  // The search for the contact's runs in progress needs only the contact, so
  // it runs while the runs start. The mirror may already list the runs just
  // started; they are left out, so a run never receives the event that started it.
  const [waitingRunIds] = await Promise.all([
    repos.runs.findRunningIdsByContact(contact._id),
    withEngine(services, ids, () =>
      forEachWithConcurrency(runs, START_CONCURRENCY, async ({ automation, runId }) => {
        await engine.startRun({
          runId,
          automationId: automation.id,
          contactId: contact._id,
          createdAt: acceptedAt,
          trigger,
          graph: automation.graph,
        });
      }),
    ),
  ]);
  const recipients = waitingRunIds.filter((runId) => !startedRunIds.has(runId));
  if (recipients.length > 0) {
    await withEngine(services, ids, () =>
      engine.deliverEvent(recipients, { ...trigger, contact: repos.contacts.toSnapshot(contact) }),
    );
  }

  log.info({ ...ids, event: body.event, runsStarted: startedRunIds.size }, 'accepted an event');
}

function readIdempotencyKey(c: Context<AppEnv>): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ApiError(
      422,
      'invalid_idempotency_key',
      'The Idempotency-Key header must be 1 to 256 printable ASCII characters without spaces.',
    );
  }
  return key;
}

export function createEventsRoutes() {
  const routes = new Hono<AppEnv>();
  let lastCleanup = 0;

  /** Deletes expired idempotency keys at most once an hour per app instance, without awaiting the deletion. */
  const cleanUpIdempotencyKeys = (services: Services, now: number): void => {
    if (now - lastCleanup < IDEMPOTENCY_CLEANUP_INTERVAL_MS) return;
    lastCleanup = now;
    services.repos.idempotency.deleteExpired(now).catch((error: unknown) => {
      services.log.warn({ err: error }, 'deleting expired idempotency keys failed; the next request retries');
    });
  };

  /**
   * Responds 202 only after every run has started and the event has been
   * signalled, so the event is durable in Temporal once accepted. When the
   * engine fails, the response is 503 `application_error` and runs already
   * started keep going. A retry with the same Idempotency-Key reuses the
   * event id, so it starts only the runs that are missing. A retry without
   * one sends a new event.
   */
  routes.post('/send', async (c) => {
    const body = await parseBody(c, sendEventBody);
    const idempotencyKey = readIdempotencyKey(c);
    const { services } = c.var;
    const responseBody = { object: 'event' as const, event: body.event };
    // Checked before the idempotency key is claimed, so a rejected payload or unknown contact stores and starts nothing.
    const payload = await checkEventPayload(services.repos, body.event, body.payload ?? {});
    if (body.contact_id !== undefined) await requireContact(services, body.contact_id);

    let eventId = uuidv7();
    let acceptedAt = Date.now();
    if (idempotencyKey !== undefined) {
      const requestHash = sha256(JSON.stringify(body));
      const claim = await services.repos.idempotency.claim(idempotencyKey, { requestHash, eventId, acceptedAt });
      if (claim.requestHash !== requestHash) {
        throw new ApiError(
          422,
          'invalid_idempotent_request',
          `Idempotency-Key "${truncate(idempotencyKey)}" was already used with a different request body; send a new key for a new request.`,
        );
      }
      if (claim.response !== null) {
        return c.json(claim.response.body as object, claim.response.status as ContentfulStatusCode);
      }
      eventId = claim.eventId;
      acceptedAt = claim.acceptedAt;
      cleanUpIdempotencyKeys(services, Date.now());
    }

    await acceptEvent(services, { ...body, payload }, eventId, acceptedAt);

    if (idempotencyKey !== undefined) {
      await services.repos.idempotency.complete(idempotencyKey, { status: 202, body: responseBody });
    }
    return c.json(responseBody, 202);
  });

  routes.route('/', createEventDefinitionsRoutes());

  return routes;
}
