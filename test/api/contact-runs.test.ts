/**
 * The list of each contact's runs in progress that POST /events/send reads,
 * kept by the mirror writes, over the real MongoDB-compatible server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import type { RunState, RunStatus } from '../../domain/run-state.js';
import { connectMongo, type MongoConnection } from '../../repositories/db.js';
import { RunsRepository } from '../../repositories/runs.js';
import { mongodbUri, uniqueDatabaseName } from '../support/services.js';

let mongo: MongoConnection;
let runs: RunsRepository;

beforeAll(async () => {
  mongo = await connectMongo({ mongodbUri: mongodbUri(), mongodbDatabase: uniqueDatabaseName('contactruns') });
  runs = new RunsRepository(mongo.db);
  await runs.ensureIndexes();
});

afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.client.close();
});

function runState(contactId: string, status: RunStatus, version: number, runId = uuidv7()): RunState {
  const now = Date.now();
  return {
    runId,
    automationId: uuidv7(),
    contactId,
    status,
    trigger: { eventId: uuidv7(), event: 'user.created', payload: {} },
    steps: [],
    createdAt: now,
    startedAt: now,
    completedAt: status === 'running' ? null : now,
    version,
  };
}

describe('runs in progress by contact', () => {
  it('list a run from its first write until it finishes', async () => {
    const contactId = uuidv7();
    const first = runState(contactId, 'running', 2);
    const other = runState(contactId, 'running', 2);

    await runs.saveState(first);
    await runs.saveState(other);
    await runs.saveState({ ...first, version: 3 });
    expect((await runs.findRunningIdsByContact(contactId)).sort()).toEqual([first.runId, other.runId].sort());

    await runs.saveState({ ...first, status: 'completed', completedAt: Date.now(), version: 4 });
    expect(await runs.findRunningIdsByContact(contactId)).toEqual([other.runId]);

    await runs.saveState({ ...other, status: 'cancelled', completedAt: Date.now(), version: 3 });
    expect(await runs.findRunningIdsByContact(contactId)).toEqual([]);
  });

  it('keep a finished run out after an older write', async () => {
    const contactId = uuidv7();
    const run = runState(contactId, 'running', 2);
    await runs.saveState(run);
    await runs.saveState({ ...run, status: 'failed', completedAt: Date.now(), version: 5 });

    // A late retry of an earlier running state changes neither the mirror nor the list.
    await runs.saveState({ ...run, version: 3 });

    expect(await runs.findRunningIdsByContact(contactId)).toEqual([]);
    expect((await runs.findById(run.runId))?.status).toBe('failed');
  });

  it('list runs of one contact started at once', async () => {
    const contactId = uuidv7();
    const started = Array.from({ length: 10 }, () => runState(contactId, 'running', 2));

    await Promise.all(started.map((run) => runs.saveState(run)));

    expect((await runs.findRunningIdsByContact(contactId)).sort()).toEqual(started.map((run) => run.runId).sort());
  });

  it('backfill from two processes at once', async () => {
    const contactId = uuidv7();
    const running = runState(contactId, 'running', 2);
    await runs.saveState(running);
    await mongo.db.collection('contact_runs').deleteMany({});

    await Promise.all([runs.ensureIndexes(), new RunsRepository(mongo.db).ensureIndexes()]);

    expect(await runs.findRunningIdsByContact(contactId)).toEqual([running.runId]);
  });

  it('leave out runs that wait for no event', async () => {
    const contactId = uuidv7();
    const run = runState(contactId, 'running', 2);

    await runs.saveState(run, { receivesEvents: false });
    expect(await runs.findRunningIdsByContact(contactId)).toEqual([]);

    await runs.saveState({ ...run, status: 'completed', completedAt: Date.now(), version: 3 }, { receivesEvents: false });
    expect((await runs.findById(run.runId))?.status).toBe('completed');
  });

  it('list nothing for a contact without runs', async () => {
    expect(await runs.findRunningIdsByContact(uuidv7())).toEqual([]);
  });

  it('add runs mirrored before the list existed', async () => {
    const contactId = uuidv7();
    const running = runState(contactId, 'running', 2);
    const done = runState(contactId, 'completed', 4);
    await runs.saveState(running);
    await runs.saveState(done);
    // As a database written before the list existed: no list, no marker.
    await mongo.db.collection('contact_runs').deleteMany({});

    await runs.ensureIndexes();

    expect(await runs.findRunningIdsByContact(contactId)).toEqual([running.runId]);
  });
});

describe('first mirror write', () => {
  it('inserts the run once when retried', async () => {
    const contactId = uuidv7();
    const run = runState(contactId, 'running', 2);

    await runs.saveState(run, { firstWrite: true });
    await runs.saveState(run, { firstWrite: true });

    expect((await runs.findById(run.runId))?.version).toBe(2);
    expect(await runs.findRunningIdsByContact(contactId)).toEqual([run.runId]);
  });

  it('keeps a newer stored state', async () => {
    const contactId = uuidv7();
    const run = runState(contactId, 'running', 2);
    await runs.saveState({ ...run, status: 'cancelled', completedAt: Date.now(), version: 6 });

    await runs.saveState(run, { firstWrite: true });

    const stored = await runs.findById(run.runId);
    expect(stored?.status).toBe('cancelled');
    expect(stored?.version).toBe(6);
  });
});
