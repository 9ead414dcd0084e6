import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import type { NewEmail } from '../../repositories/emails.js';
import { createApiFixture } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await createApiFixture();
});
afterAll(async () => {
  await api.close();
});

function newEmail(index: number, runId: string): NewEmail {
  const id = uuidv7();
  return {
    _id: id,
    idempotency_key: `${runId}:send_${index}`,
    run_id: runId,
    automation_id: '0190a5f6-6b1c-7d2e-8f3a-00000000a001',
    step_key: `send_${index}`,
    contact_id: '0190a5f6-6b1c-7d2e-8f3a-00000000c001',
    template_id: '0190a5f6-6b1c-7d2e-8f3a-00000000d001',
    topic_id: null,
    variables_json: '{"NAME":"Ada"}',
    message_id: `<${id}@automations.local>`,
    from: 'Automations <automations@localhost>',
    to: 'ada@example.com',
    reply_to: [],
    subject: `Email ${index}`,
    html: `<p>Email ${index}</p>`,
    text: `Email ${index}`,
    created_at: Date.parse('2026-10-01T12:00:00.000Z') + index,
  };
}

describe('GET /emails', () => {
  it('lists emails newest first in pages', async () => {
    const runId = uuidv7();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const email = await api.repos.emails.reserve(newEmail(index, runId));
      ids.push(email._id);
    }
    await api.repos.emails.markSent(ids[0]!, '250 OK', Date.parse('2026-10-01T12:00:01.000Z'));

    const first = await api.request('GET', '/emails?limit=3');
    expect(first.status).toBe(200);
    expect(first.body.object).toBe('list');
    expect(first.body.has_more).toBe(true);
    expect(first.body.data.map((item: { id: string }) => item.id)).toEqual([ids[4], ids[3], ids[2]]);
    expect(first.body.data[0]).not.toHaveProperty('html');
    expect(first.body.data[0].last_event).toBe('queued');

    const second = await api.request('GET', `/emails?limit=3&after=${ids[2]}`);
    expect(second.body.has_more).toBe(false);
    expect(second.body.data.map((item: { id: string }) => item.id)).toEqual([ids[1], ids[0]]);
    expect(second.body.data[1]).toEqual({
      id: ids[0],
      to: ['ada@example.com'],
      from: 'Automations <automations@localhost>',
      subject: 'Email 0',
      reply_to: null,
      cc: null,
      bcc: null,
      message_id: `<${ids[0]}@automations.local>`,
      last_event: 'sent',
      scheduled_at: null,
      created_at: '2026-10-01 12:00:00.000000+00',
      sent_at: '2026-10-01 12:00:01.000000+00',
      topic_id: null,
      automation_id: '0190a5f6-6b1c-7d2e-8f3a-00000000a001',
      run_id: runId,
      step_key: 'send_0',
      contact_id: '0190a5f6-6b1c-7d2e-8f3a-00000000c001',
      template_id: '0190a5f6-6b1c-7d2e-8f3a-00000000d001',
    });
  });

  it('rejects bad limit and cursor', async () => {
    const limit = await api.request('GET', '/emails?limit=0');
    expect(limit.status).toBe(422);
    expect(limit.body.name).toBe('invalid_parameter');

    const cursor = await api.request('GET', '/emails?after=nope');
    expect(cursor.status).toBe(422);
    expect(cursor.body.message).toContain('`after`');
  });
});

describe('GET /emails/:id', () => {
  it('returns body, run and step', async () => {
    const email = await api.repos.emails.reserve(newEmail(7, uuidv7()));

    const response = await api.request('GET', `/emails/${email._id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      object: 'email',
      id: email._id,
      to: ['ada@example.com'],
      subject: 'Email 7',
      html: '<p>Email 7</p>',
      text: 'Email 7',
      last_event: 'queued',
      run_id: email.run_id,
      step_key: 'send_7',
    });
  });

  it('rejects unknown and malformed ids', async () => {
    const unknown = await api.request('GET', `/emails/${uuidv7()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.name).toBe('not_found');

    const malformed = await api.request('GET', '/emails/not-an-id');
    expect(malformed.status).toBe(422);
    expect(malformed.body.name).toBe('invalid_parameter');
  });
});
