/**
 * Emails as the API renders them, with the fields of Resend's email type.
 * `automation_id`, `run_id`, `step_key`, `contact_id` and `template_id` go beyond it.
 */
import { formatNullableTimestamp, formatTimestamp } from '../../domain/time.js';
import type { EmailDocument } from '../../repositories/emails.js';

/** `sent` once the SMTP server accepted the email, `queued` while the send is in progress or being retried. */
function lastEvent(email: EmailDocument): 'sent' | 'queued' {
  return email.status === 'sent' ? 'sent' : 'queued';
}

export function emailListItem(email: EmailDocument) {
  return {
    id: email._id,
    to: [email.to],
    from: email.from,
    subject: email.subject,
    reply_to: email.reply_to.length > 0 ? email.reply_to : null,
    cc: null,
    bcc: null,
    message_id: email.message_id,
    last_event: lastEvent(email),
    scheduled_at: null,
    created_at: formatTimestamp(email.created_at),
    sent_at: formatNullableTimestamp(email.sent_at),
    topic_id: email.topic_id ?? null,
    automation_id: email.automation_id,
    run_id: email.run_id,
    step_key: email.step_key,
    contact_id: email.contact_id,
    template_id: email.template_id,
  };
}

export function emailObject(email: EmailDocument) {
  return { object: 'email' as const, ...emailListItem(email), html: email.html, text: email.text };
}
