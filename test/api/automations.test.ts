import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiFixture, makeRunState, welcomeGraph } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;
let templateId: string;

beforeAll(async () => {
  api = await createApiFixture();
  const template = await api.request('POST', '/templates', { name: 'Welcome', html: '<p>Hi</p>' });
  templateId = template.body.id;
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.engine.cancelled.length = 0;
  api.engine.openRunIds.clear();
  api.engine.failure = undefined;
});

async function createAutomation(body: Record<string, unknown> = {}): Promise<string> {
  const response = await api.request('POST', '/automations', { name: 'Welcome flow', ...welcomeGraph(templateId), ...body });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

async function storedAutomation(id: string) {
  return api.db.collection('automations').findOne({ _id: id as never });
}

describe('automations', () => {
  it('creates a disabled automation and returns it with its graph', async () => {
    const response = await api.request('POST', '/automations', { name: 'Welcome flow', ...welcomeGraph(templateId) });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ object: 'automation', id: expect.any(String) });

    const fetched = await api.request('GET', `/automations/${response.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual({
      object: 'automation',
      id: response.body.id,
      name: 'Welcome flow',
      status: 'disabled',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'user.created' } },
        { key: 'welcome', type: 'send_email', config: { template: { id: templateId } } },
      ],
      connections: [{ from: 'start', to: 'welcome', type: 'default' }],
    });
  });

  it('fills in the default connection type', async () => {
    const graph = welcomeGraph(templateId);
    const id = await createAutomation({ connections: [{ from: 'start', to: 'welcome' }], steps: graph.steps });
    const fetched = await api.request('GET', `/automations/${id}`);
    expect(fetched.body.connections).toEqual([{ from: 'start', to: 'welcome', type: 'default' }]);
  });

  it('accepts a template alias as the template id', async () => {
    await api.request('POST', '/templates', { name: 'Aliased', alias: 'aliased', html: '<p>x</p>' });
    const response = await api.request('POST', '/automations', { name: 'By alias', ...welcomeGraph('aliased') });
    expect(response.status).toBe(201);
  });

  it('lists automations filtered by status', async () => {
    const enabled = await createAutomation({ name: 'On', status: 'enabled' });
    const disabled = await createAutomation({ name: 'Off' });

    const onlyEnabled = await api.request('GET', '/automations?status=enabled');
    const enabledIds = onlyEnabled.body.data.map((item: { id: string }) => item.id);
    expect(enabledIds).toContain(enabled);
    expect(enabledIds).not.toContain(disabled);
    expect(Object.keys(onlyEnabled.body.data[0]).sort()).toEqual(['created_at', 'id', 'name', 'status', 'updated_at']);

    const invalid = await api.request('GET', '/automations?status=paused');
    expect(invalid.status).toBe(422);
    expect(invalid.body.name).toBe('invalid_parameter');
    expect(invalid.body.message).toContain('`status`');
  });

  it('renames and enables with PATCH', async () => {
    const id = await createAutomation();
    const response = await api.request('PATCH', `/automations/${id}`, { name: 'Renamed', status: 'enabled' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ object: 'automation', id });
    const stored = await storedAutomation(id);
    expect(stored).toMatchObject({ name: 'Renamed', status: 'enabled', trigger_event: 'user.created' });
  });

  it('replaces the graph of a disabled automation', async () => {
    const id = await createAutomation();
    const response = await api.request('PATCH', `/automations/${id}`, welcomeGraph(templateId, 'user.upgraded'));
    expect(response.status).toBe(200);
    const fetched = await api.request('GET', `/automations/${id}`);
    expect(fetched.body.steps[0].config.event_name).toBe('user.upgraded');
    expect((await storedAutomation(id))?.trigger_event).toBe('user.upgraded');
  });

  it('rejects a graph change while enabled and changes nothing', async () => {
    const id = await createAutomation({ status: 'enabled' });
    const before = await storedAutomation(id);
    const response = await api.request('PATCH', `/automations/${id}`, {
      name: 'Sneaky',
      ...welcomeGraph(templateId, 'user.deleted'),
    });
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('validation_error');
    expect(response.body.message).toContain('disable');
    expect(response.body.message).toContain('duplicate');
    expect(await storedAutomation(id)).toEqual(before);
  });

  it('rejects an invalid graph on PATCH and changes nothing', async () => {
    const id = await createAutomation();
    const before = await storedAutomation(id);
    const response = await api.request('PATCH', `/automations/${id}`, {
      name: 'Half applied?',
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'user.created' } },
        { key: 'later', type: 'delay', config: { duration: 'soon' } },
      ],
      connections: [{ from: 'start', to: 'later' }],
    });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('later');
    expect(await storedAutomation(id)).toEqual(before);
  });

  it('rejects steps without connections', async () => {
    const id = await createAutomation();
    const response = await api.request('PATCH', `/automations/${id}`, { steps: welcomeGraph(templateId).steps });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('`steps` and `connections` together');
  });

  it('duplicates as a disabled copy', async () => {
    const id = await createAutomation({ name: 'Source', status: 'enabled' });
    const response = await api.requestRaw('POST', `/automations/${id}/duplicate`, undefined);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ object: 'automation', id: expect.any(String) });
    const copy = await api.request('GET', `/automations/${response.body.id}`);
    expect(copy.body).toMatchObject({ name: 'Source (copy)', status: 'disabled' });
    expect(copy.body.steps).toEqual((await api.request('GET', `/automations/${id}`)).body.steps);
  });

  it('stops: disables and cancels the runs open in the mirror and in Temporal', async () => {
    const id = await createAutomation({ status: 'enabled' });
    const contact = await api.repos.contacts.create({ email: 'stop@example.com' });
    const mirrored = '0190a5f6-6b1c-7d2e-8f3a-00000000000a';
    const finished = '0190a5f6-6b1c-7d2e-8f3a-00000000000b';
    await api.repos.runs.saveState(makeRunState({ runId: mirrored, automationId: id, contactId: contact!._id }));
    await api.repos.runs.saveState(
      makeRunState({ runId: finished, automationId: id, contactId: contact!._id, status: 'completed' }),
    );
    const onlyInTemporal = '0190a5f6-6b1c-7d2e-8f3a-00000000000c';
    api.engine.openRunIds.set(id, [mirrored, onlyInTemporal]);

    const response = await api.requestRaw('POST', `/automations/${id}/stop`, undefined);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ object: 'automation', id, status: 'disabled' });
    expect((await storedAutomation(id))?.status).toBe('disabled');
    expect(api.engine.cancelled.map((call) => call.runId).sort()).toEqual([mirrored, onlyInTemporal]);
    expect(api.engine.cancelled.every((call) => call.reason === 'automation_stopped')).toBe(true);
  });

  it('cancels hundreds of runs on stop', async () => {
    const id = await createAutomation({ status: 'enabled' });
    const runIds = Array.from({ length: 250 }, (_, index) => `0190a5f6-6b1c-7d2e-8f3a-${index.toString(16).padStart(12, '0')}`);
    api.engine.openRunIds.set(id, runIds);
    const response = await api.requestRaw('POST', `/automations/${id}/stop`, undefined);
    expect(response.status).toBe(200);
    expect(new Set(api.engine.cancelled.map((call) => call.runId)).size).toBe(250);
  });

  it('answers 503 when the engine is down during stop, after disabling', async () => {
    const id = await createAutomation({ status: 'enabled' });
    api.engine.failure = new Error('14 UNAVAILABLE: connection refused');
    const response = await api.requestRaw('POST', `/automations/${id}/stop`, undefined);
    expect(response.status).toBe(503);
    expect(response.body.name).toBe('application_error');
    expect(response.body.message).not.toContain('UNAVAILABLE');
    expect((await storedAutomation(id))?.status).toBe('disabled');
  });

  it('deletes after cancelling its open runs', async () => {
    const id = await createAutomation({ status: 'enabled' });
    const runId = '0190a5f6-6b1c-7d2e-8f3a-0000000000dd';
    api.engine.openRunIds.set(id, [runId]);
    const response = await api.request('DELETE', `/automations/${id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ object: 'automation', id, deleted: true });
    expect(api.engine.cancelled).toEqual([{ runId, reason: 'automation_deleted' }]);
    expect((await api.request('GET', `/automations/${id}`)).status).toBe(404);
  });

  it('keeps the automation when its runs cannot be cancelled', async () => {
    const id = await createAutomation({ status: 'enabled' });
    api.engine.failure = new Error('unavailable');
    const response = await api.request('DELETE', `/automations/${id}`);
    expect(response.status).toBe(503);
    expect(await storedAutomation(id)).not.toBeNull();
  });

  it('answers unknown and malformed ids on every route', async () => {
    const unknown = '0190a5f6-6b1c-7d2e-8f3a-0123456789ab';
    const calls: Array<[string, string, unknown]> = [
      ['GET', `/automations/${unknown}`, undefined],
      ['PATCH', `/automations/${unknown}`, { name: 'x' }],
      ['DELETE', `/automations/${unknown}`, undefined],
      ['POST', `/automations/${unknown}/stop`, undefined],
      ['POST', `/automations/${unknown}/duplicate`, undefined],
      ['GET', `/automations/${unknown}/runs`, undefined],
    ];
    for (const [method, path, body] of calls) {
      const response = await api.request(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      const malformed = await api.request(method, path.replace(unknown, 'abc'), body);
      expect(malformed.status, `${method} ${path} malformed`).toBe(422);
      expect(malformed.body.name).toBe('invalid_parameter');
    }
  });
});

describe('automation graph validation', () => {
  async function expectRejected(body: Record<string, unknown>, ...fragments: string[]): Promise<void> {
    const before = await api.db.collection('automations').countDocuments();
    const response = await api.request('POST', '/automations', { name: 'Invalid', ...body });
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    for (const fragment of fragments) expect(response.body.message).toContain(fragment);
    expect(await api.db.collection('automations').countDocuments()).toBe(before);
  }

  it('names the step with an unknown template', async () => {
    await expectRejected(welcomeGraph('0190a5f6-6b1c-7d2e-8f3a-0123456789ab'), '"welcome"', '0190a5f6-6b1c-7d2e-8f3a-0123456789ab');
  });

  it('names the step with an unknown segment', async () => {
    await expectRejected(
      {
        steps: [
          { key: 'start', type: 'trigger', config: { event_name: 'user.created' } },
          { key: 'join', type: 'add_to_segment', config: { segment_id: '0190a5f6-6b1c-7d2e-8f3a-0123456789ab' } },
        ],
        connections: [{ from: 'start', to: 'join' }],
      },
      '"join"',
      'segment',
    );
  });

  it('names the step with an unknown field in its config', async () => {
    const graph = welcomeGraph(templateId);
    graph.steps[1] = { key: 'welcome', type: 'send_email', config: { template: { id: templateId }, colour: 'red' } as never };
    await expectRejected(graph, 'welcome', 'colour');
  });

  it('rejects a cycle', async () => {
    await expectRejected(
      {
        steps: [
          { key: 'start', type: 'trigger', config: { event_name: 'user.created' } },
          { key: 'a', type: 'delay', config: { duration: '1 hour' } },
          { key: 'b', type: 'delay', config: { duration: '1 hour' } },
        ],
        connections: [
          { from: 'start', to: 'a' },
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
        ],
      },
      'cycle',
    );
  });

  it('rejects an unknown step type and a bad duration', async () => {
    await expectRejected(
      {
        steps: [
          { key: 'start', type: 'trigger', config: { event_name: 'user.created' } },
          { key: 'wait', type: 'sleep', config: {} },
        ],
        connections: [{ from: 'start', to: 'wait' }],
      },
      'wait',
    );
    await expectRejected(
      {
        steps: [
          { key: 'start', type: 'trigger', config: { event_name: 'user.created' } },
          { key: 'wait', type: 'delay', config: { duration: '45 days' } },
        ],
        connections: [{ from: 'start', to: 'wait' }],
      },
      'wait',
    );
  });

  it('rejects missing steps, a long name and an injected operator', async () => {
    const missing = await api.request('POST', '/automations', { name: 'No steps', connections: [] });
    expect(missing.body).toMatchObject({ name: 'missing_required_field', message: 'Missing required field `steps`.' });

    await expectRejected({ ...welcomeGraph(templateId), name: 'x'.repeat(201) }, '`name`');

    const graph = welcomeGraph(templateId);
    graph.steps[0] = { key: 'start', type: 'trigger', config: { event_name: { $ne: null } } as never };
    await expectRejected(graph, '$ne');
  });
});
