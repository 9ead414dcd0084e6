/** Templates and automations the benchmarks create through the API. */
import type { ApiClient } from './product.js';

/** Creates and publishes a small template; returns its id. */
export async function createPublishedTemplate(api: ApiClient): Promise<string> {
  const { id } = await api.request<{ id: string }>('POST', '/templates', {
    name: 'Bench welcome',
    subject: 'Welcome, {{{contact.first_name|there}}}',
    html: '<p>Hello {{{contact.first_name|there}}}, welcome to {{{PRODUCT}}}.</p>',
    text: 'Hello {{{contact.first_name|there}}}, welcome to {{{PRODUCT}}}.',
    variables: [{ key: 'PRODUCT', type: 'string', fallback_value: 'Orbit' }],
  });
  await api.request('POST', `/templates/${id}/publish`);
  return id;
}

/** trigger → contact_update → send_email: the automation of the run-overhead benchmark. */
export function threeStepAutomation(eventName: string, templateId: string) {
  return {
    name: `Three steps on ${eventName}`,
    status: 'enabled',
    steps: [
      { key: 'start', type: 'trigger', config: { event_name: eventName } },
      { key: 'name_contact', type: 'contact_update', config: { first_name: 'Bench' } },
      { key: 'welcome', type: 'send_email', config: { template: { id: templateId, variables: { PRODUCT: { var: 'event.product' } } } } },
    ],
    connections: [
      { from: 'start', to: 'name_contact' },
      { from: 'name_contact', to: 'welcome' },
    ],
  };
}

/** trigger → delay 1 hour → send_email: runs park in the delay. */
export function parkedAutomation(eventName: string, templateId: string, label: string) {
  return {
    name: `${label} on ${eventName}`,
    status: 'enabled',
    steps: [
      { key: 'start', type: 'trigger', config: { event_name: eventName } },
      { key: 'wait', type: 'delay', config: { duration: '1 hour' } },
      { key: 'reminder', type: 'send_email', config: { template: { id: templateId } } },
    ],
    connections: [
      { from: 'start', to: 'wait' },
      { from: 'wait', to: 'reminder' },
    ],
  };
}

export async function createAutomation(api: ApiClient, body: object): Promise<string> {
  const { id } = await api.request<{ id: string }>('POST', '/automations', body, 201);
  return id;
}

/** Creates `count` contacts (bench-<prefix>-<i>@example.com) and returns their ids. */
export async function createContacts(api: ApiClient, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { id } = await api.request<{ id: string }>('POST', '/contacts', { email: contactEmail(prefix, i) }, 201);
    ids.push(id);
  }
  return ids;
}

export function contactEmail(prefix: string, index: number): string {
  return `bench-${prefix}-${index}@example.com`;
}
