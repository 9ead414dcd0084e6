/**
 * The small HTML pages of the unsubscribe link: the confirmation form, the
 * result, and the error for a link that is invalid. Every value is escaped by
 * Hono's `html` template tag.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ContactTopic } from '../repositories/topics.js';

type Page = HtmlEscapedString | Promise<HtmlEscapedString>;

function layout(title: string, body: Page): Page {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
button { font: inherit; padding: 0.5rem 1rem; cursor: pointer; }
fieldset { border: 1px solid #ccc; margin: 1.5rem 0; }
label { display: block; margin: 0.25rem 0; }
.muted { color: #666; }
</style>
</head>
<body>
<h1>${title}</h1>
${body}
</body>
</html>`;
}

export interface ConfirmationPageInput {
  email: string;
  /** The topic the link opts out of, or null when it unsubscribes from all email. */
  topic: { name: string } | null;
  unsubscribed: boolean;
  /** Every topic with the contact's current subscription; empty when no topic exists. */
  topics: ContactTopic[];
}

/**
 * Renders the page a link opens. Opening it changes nothing: mail scanners
 * fetch links, so only the form's POST unsubscribes.
 */
export function confirmationPage(input: ConfirmationPageInput): Page {
  const action = input.topic === null ? 'Unsubscribe from all emails' : `Stop emails about ${input.topic.name}`;
  const state = input.unsubscribed
    ? html`<p>${input.email} is unsubscribed from all emails.</p>`
    : html`<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<p>Stop emails to ${input.email}?</p>
<button type="submit">${action}</button>
</form>`;

  const topics =
    input.topics.length === 0 || input.unsubscribed
      ? ''
      : html`<form method="post">
<input type="hidden" name="action" value="preferences">
<fieldset>
<legend>Or choose the topics you want to hear about</legend>
${input.topics.map(
  ({ topic, subscription }) =>
    html`<label><input type="checkbox" name="topic" value="${topic._id}"${subscription === 'opt_in' ? ' checked' : ''}> ${topic.name}${topic.description === null ? '' : html` <span class="muted">${topic.description}</span>`}</label>`,
)}
</fieldset>
<button type="submit">Save choices</button>
</form>`;

  return layout('Unsubscribe', html`${state}${topics}`);
}

export function resultPage(message: string): Page {
  return layout('Unsubscribe', html`<p>${message}</p>`);
}

export function invalidLinkPage(): Page {
  return layout(
    'Link not valid',
    html`<p>This unsubscribe link is not valid. It may have been changed or copied incompletely, or the contact no longer exists.</p>
<p class="muted">Open the link from the email again, or reply to the email and ask to be removed.</p>`,
  );
}
