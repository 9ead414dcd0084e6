/**
 * The send_email activity: at most one email per run step. The email is
 * recorded under `<runId>:<stepKey>` before delivery with a stable Message-ID,
 * so a retry after a crash finds the record and either returns the first
 * result or re-sends the same message, which receivers de-duplicate.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from '../config/logger.js';
import { deterministicUuidv7, uuidv7 } from '../domain/ids.js';
import { renderTemplate } from '../domain/render.js';
import { resolveRecord } from '../domain/variables.js';
import { isPermanentSmtpFailure, type Mailer } from '../mail/mailer.js';
import type { UnsubscribeLinks } from '../mail/unsubscribe-links.js';
import type { EmailDocument, EmailsRepository } from '../repositories/emails.js';
import { requireContact, type ContactStore } from './contacts.js';
import { retryInPlace } from './retry-in-place.js';
import { STEP_FAILURE } from '../domain/step-failures.js';
import type { SendEmailInput, SendEmailResult } from './types.js';

/**
 * How long a send keeps retrying the record of a delivered email before it
 * fails the attempt. FerretDB's SQLite waits up to 10 seconds on a locked
 * database before it reports SQLITE_BUSY, so this allows several attempts.
 * The send heartbeats meanwhile, and the budget stays inside its 2-minute
 * start-to-close timeout.
 */
const RECORD_RETRY_BUDGET_MS = 60_000;

export interface PublishedTemplate {
  id: string;
  name: string;
  subject: string | null;
  html: string;
  text: string | null;
  from: string | null;
  reply_to: string[] | null;
  variables: { key: string; type: 'string' | 'number'; fallback_value: string | number | null }[];
}

export type TemplateLookup =
  | { status: 'missing' }
  | { status: 'draft'; name: string }
  | ({ status: 'published' } & PublishedTemplate);

export interface TemplateSource {
  getPublished(id: string): Promise<TemplateLookup>;
}

/** The topic repository methods the send uses. */
export interface TopicSubscriptionSource {
  /** The contact's choice for the topic, else the topic's default; null when the topic does not exist. */
  findSubscription(contactId: string, topicId: string): Promise<'opt_in' | 'opt_out' | null>;
}

interface SendEmailDependencies {
  contacts: ContactStore;
  templates: TemplateSource;
  topics: TopicSubscriptionSource;
  unsubscribeLinks: UnsubscribeLinks;
  emails: EmailsRepository;
  mailer: Mailer;
  mailFrom: string;
  log: Logger;
}

export function createSendEmail(deps: SendEmailDependencies) {
  return async function sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
    const emailId = emailIdFor(input);
    const previous = await findPreviousAttempt(deps.emails, input, emailId);
    if (previous?.status === 'sent') return sentResult(previous);

    // Re-read right before delivery: the contact may have unsubscribed or
    // opted out of the topic since the run started.
    const contact = await requireContact(deps.contacts, input.contactId);
    // TODO(#4): when `previous` is still `sending`, an earlier attempt may have delivered the email,
    // yet an unsubscribe since then reports the step as skipped.
    if (contact.unsubscribed) return { status: 'skipped', to: contact.email, reason: 'unsubscribed' };
    const topicId = input.config.topic_id ?? null;
    if (topicId !== null && (await readSubscription(deps.topics, contact.id, topicId)) === 'opt_out') {
      return { status: 'skipped', to: contact.email, reason: 'topic_opt_out' };
    }
    // TODO(#3): an email reserved by an attempt that crashed before delivery stays
    // `sending` (listed as `queued`) when a retry skips it here.

    const email = previous ?? (await deps.emails.reserve(await buildEmail(deps, input, contact, emailId)));
    if (email.status === 'sent') return sentResult(email);
    // Emails recorded before unsubscribe links existed get their link built now.
    const unsubscribeUrl = email.list_unsubscribe_url ?? (await deps.unsubscribeLinks.url({ contactId: contact.id, topicId }));

    const log = deps.log.child({ runId: input.runId, automationId: input.automationId, stepKey: input.stepKey });
    let response: string;
    try {
      ({ response } = await deps.mailer.send({
        from: email.from,
        to: email.to,
        replyTo: email.reply_to,
        subject: email.subject,
        html: email.html,
        text: email.text,
        messageId: email.message_id,
        headers: {
          'X-Automation-Run-Id': input.runId,
          // One-click unsubscribe as RFC 8058 describes: mail clients POST to the URL.
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      }));
    } catch (err) {
      const reply = (err as { response?: string }).response ?? (err instanceof Error ? err.message : String(err));
      if (isPermanentSmtpFailure(err)) {
        log.warn({ emailId: email._id, reply }, 'SMTP server rejected the email permanently');
        throw ApplicationFailure.nonRetryable(`SMTP server rejected the email: ${reply}`, STEP_FAILURE.smtpRejected);
      }
      log.warn({ emailId: email._id, reply }, 'email delivery failed, will retry');
      throw err;
    }

    // The SMTP server has accepted the email. If this write failed the attempt,
    // Temporal's retry would send the email again, with the same Message-ID, but
    // not every receiver drops the copy. So a transient database error, such as
    // FerretDB's SQLITE_BUSY under many concurrent writes, is retried here first.
    const sentAt = Date.now();
    await retryInPlace(() => deps.emails.markSent(email._id, response, sentAt), {
      budgetMs: RECORD_RETRY_BUDGET_MS,
      initialDelayMs: 250,
      maxDelayMs: 4_000,
      log: log.child({ emailId: email._id }),
      description: 'recording a delivered email as sent',
    });
    log.info({ emailId: email._id, to: email.to }, 'email sent');
    return sentResult(email);
  };
}

/** Returns the contact's subscription to the topic, or fails the step when the topic no longer exists. */
async function readSubscription(
  topics: TopicSubscriptionSource,
  contactId: string,
  topicId: string,
): Promise<'opt_in' | 'opt_out'> {
  const subscription = await topics.findSubscription(contactId, topicId);
  if (subscription === null) {
    throw ApplicationFailure.nonRetryable(
      `topic ${topicId} does not exist; it may have been deleted. Create a topic and set it as the step's topic_id, or remove topic_id`,
      STEP_FAILURE.topicNotFound,
    );
  }
  return subscription;
}

/**
 * Returns the id of the step's email, the same for every attempt of the
 * step. So a retry finds the record of an earlier attempt by `_id`, the one
 * lookup that FerretDB 1.24 on SQLite serves from an index. Without the
 * step's start time (an activity scheduled by older workflow code) each
 * attempt gets a new id, and the unique idempotency key still finds the
 * earlier record.
 */
function emailIdFor(input: SendEmailInput): string {
  if (input.stepStartedAt === undefined) return uuidv7();
  return deterministicUuidv7(`email:${input.runId}:${input.stepKey}`, input.stepStartedAt);
}

async function findPreviousAttempt(
  emails: EmailsRepository,
  input: SendEmailInput,
  emailId: string,
): Promise<EmailDocument | null> {
  if (input.stepStartedAt !== undefined) return emails.findById(emailId);
  return emails.findByIdempotencyKey(`${input.runId}:${input.stepKey}`);
}

async function buildEmail(
  deps: SendEmailDependencies,
  input: SendEmailInput,
  contact: Awaited<ReturnType<typeof requireContact>>,
  id: string,
): Promise<Parameters<EmailsRepository['reserve']>[0]> {
  const { config } = input;
  const template = await deps.templates.getPublished(config.template.id);
  if (template.status === 'missing') {
    throw ApplicationFailure.nonRetryable(
      `template ${config.template.id} does not exist`,
      STEP_FAILURE.templateNotFound,
    );
  }
  if (template.status === 'draft') {
    throw ApplicationFailure.nonRetryable(
      `template '${template.name}' is not published; publish it, then run the automation again`,
      STEP_FAILURE.templateNotPublished,
    );
  }

  const values = resolveRecord(config.template.variables ?? {}, {
    event: input.context.event,
    contact,
    waitEvents: input.context.waitEvents,
  });
  const unsubscribeUrl = await deps.unsubscribeLinks.url({ contactId: contact.id, topicId: config.topic_id ?? null });
  let rendered;
  try {
    rendered = renderTemplate(
      { ...template, subject: config.subject ?? template.subject ?? '' },
      values,
      contact,
      { RESEND_UNSUBSCRIBE_URL: unsubscribeUrl },
    );
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `template '${template.name}' could not be rendered: ${err instanceof Error ? err.message : String(err)}`,
      STEP_FAILURE.renderFailed,
    );
  }

  const replyTo = config.reply_to ?? template.reply_to ?? [];
  return {
    _id: id,
    idempotency_key: `${input.runId}:${input.stepKey}`,
    run_id: input.runId,
    automation_id: input.automationId,
    step_key: input.stepKey,
    contact_id: contact.id,
    template_id: template.id,
    topic_id: config.topic_id ?? null,
    variables_json: JSON.stringify(values),
    message_id: `<${id}@automations.local>`,
    from: config.from ?? template.from ?? deps.mailFrom,
    to: contact.email,
    reply_to: Array.isArray(replyTo) ? replyTo : [replyTo],
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    list_unsubscribe_url: unsubscribeUrl,
    created_at: Date.now(),
  };
}

function sentResult(email: EmailDocument): SendEmailResult {
  return {
    status: 'sent',
    to: email.to,
    email_id: email._id,
    template: { id: email.template_id, variables: JSON.parse(email.variables_json) as Record<string, unknown> },
  };
}
