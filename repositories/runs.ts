/**
 * The MongoDB mirror of runs, written by the worker as runs progress and read
 * by the API for listing. Temporal is the source of truth. Each write carries
 * the run's `version`, and the mirror keeps only the newest one it has seen.
 */
import type { Collection, Db, Filter } from 'mongodb';
import type { StepType } from '../domain/graph.js';
import { parseStepStatusEntry, runDurationMs, stepStatusEntry } from '../domain/metrics.js';
import type { StepStatusCount } from '../domain/metrics.js';
import { isFinished } from '../domain/run-state.js';
import type { RunState, RunStatus, RunStepState, StepError, StepStatus } from '../domain/run-state.js';
import { findPage } from './cursor.js';
import type { Page, PageRequest } from './cursor.js';
import { isDuplicateKeyError } from './errors.js';
import { SerialByKey } from './serial-by-key.js';

interface RunStepDoc {
  key: string;
  type: StepType;
  status: StepStatus;
  /** JSON of the step output; outputs carry user keys that may contain `.` or start with `$`. */
  output_json: string | null;
  error: StepError | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

export interface RunDoc {
  _id: string;
  automation_id: string;
  contact_id: string;
  status: RunStatus;
  trigger_event_id: string;
  trigger_event: string;
  /** JSON of the event payload, for the same reason as `output_json`. */
  trigger_payload_json: string;
  steps: RunStepDoc[];
  /**
   * One `<key>:<type>:<status>` entry per step, which the per-step metrics count.
   * NOTE: mirrors written before this field and `duration_ms` existed lack
   * both until their next write, so the metrics count them only by status.
   */
  step_statuses: string[];
  /** Milliseconds from start to completion of a finished run, or null while it runs. */
  duration_ms: number | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  version: number;
  updated_at: Date;
}

/**
 * The runs in progress of one contact, keyed by the contact id. POST
 * /events/send reads it for every event, so the read is a lookup by `_id`.
 * For a filter on `contact_id` and `status`, FerretDB 1.24 on SQLite would
 * decode every stored run. saveState keeps it in step with the mirror.
 */
interface ContactRunsDoc {
  _id: string;
  running: string[];
}

/** Marks in `contact_runs` that the runs in progress before it existed were added. */
const CONTACT_RUNS_BACKFILLED = 'backfilled';

/** The runs of one automation created in a time window, bounds included, in epoch milliseconds. */
export interface RunWindow {
  automationId: string;
  from: number;
  to: number;
}

export interface SaveStateOptions {
  /**
   * Whether events sent for the run's contact must reach the run, because its
   * graph waits for one; only such runs go into `contact_runs`. Default true.
   */
  receivesEvents?: boolean;
  /**
   * Whether the caller has completed no write of the run before. The write
   * then starts with an insert, which saves the read of the stored state,
   * and falls back to the read when the run is stored already.
   */
  firstWrite?: boolean;
}

export interface ListRunsOptions {
  automationId: string;
  statuses?: RunStatus[] | undefined;
  limit: number;
  after?: string | undefined;
  before?: string | undefined;
}

function toDate(millis: number | null): Date | null {
  return millis === null ? null : new Date(millis);
}

function toMillis(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}

function stepToDoc(step: RunStepState): RunStepDoc {
  return {
    key: step.key,
    type: step.type,
    status: step.status,
    output_json: step.output === null ? null : JSON.stringify(step.output),
    error: step.error === null ? null : { name: step.error.name, message: step.error.message },
    created_at: new Date(step.createdAt),
    started_at: toDate(step.startedAt),
    completed_at: toDate(step.completedAt),
  };
}

function stepFromDoc(doc: RunStepDoc): RunStepState {
  return {
    key: doc.key,
    type: doc.type,
    status: doc.status,
    output: doc.output_json === null ? null : (JSON.parse(doc.output_json) as Record<string, unknown>),
    error: doc.error,
    createdAt: doc.created_at.getTime(),
    startedAt: toMillis(doc.started_at),
    completedAt: toMillis(doc.completed_at),
  };
}

function fromDoc(doc: RunDoc): RunState {
  return {
    runId: doc._id,
    automationId: doc.automation_id,
    contactId: doc.contact_id,
    status: doc.status,
    trigger: {
      eventId: doc.trigger_event_id,
      event: doc.trigger_event,
      payload: JSON.parse(doc.trigger_payload_json) as Record<string, unknown>,
    },
    steps: doc.steps.map(stepFromDoc),
    createdAt: doc.created_at.getTime(),
    startedAt: toMillis(doc.started_at),
    completedAt: toMillis(doc.completed_at),
    version: doc.version,
  };
}

function toRunFields(state: RunState): Omit<RunDoc, '_id'> {
  return {
    automation_id: state.automationId,
    contact_id: state.contactId,
    status: state.status,
    trigger_event_id: state.trigger.eventId,
    trigger_event: state.trigger.event,
    trigger_payload_json: JSON.stringify(state.trigger.payload),
    steps: state.steps.map(stepToDoc),
    step_statuses: state.steps.map(stepStatusEntry),
    duration_ms: runDurationMs(state),
    created_at: new Date(state.createdAt),
    started_at: toDate(state.startedAt),
    completed_at: toDate(state.completedAt),
    version: state.version,
    updated_at: new Date(),
  };
}

/**
 * Whether a write replaces the stored state of a run. Versions order the
 * states of one workflow history. But when a workflow task fails after its
 * local activities wrote the mirror, and a signal such as a cancel changes
 * the path of the retried task, the new states can carry lower versions than
 * the written ones. A run never goes from finished back to running, so a
 * finished state replaces a running one whatever its version, and a running
 * state never replaces a finished one.
 */
function replacesStored(next: Pick<RunDoc, 'status' | 'version'>, stored: Pick<RunDoc, 'status' | 'version'>): boolean {
  const nextFinished = isFinished(next.status);
  if (nextFinished !== isFinished(stored.status)) return nextFinished;
  return next.version > stored.version;
}

export class RunsRepository {
  private readonly runs: Collection<RunDoc>;
  private readonly contactRuns: Collection<ContactRunsDoc>;
  /** Keeps the read and the write of one run's saveState calls from interleaving. */
  private readonly writes = new SerialByKey();
  /**
   * Keeps updates of one contact's `contact_runs` document from overlapping.
   * FerretDB 1.24 applies an update by reading the document, changing it and
   * replacing it, so of two overlapping `$addToSet`s one can be lost.
   * NOTE: on FerretDB, updates from two processes can still overlap; MongoDB
   * applies each update atomically.
   */
  private readonly contactRunWrites = new SerialByKey();

  constructor(db: Db) {
    this.runs = db.collection<RunDoc>('runs');
    this.contactRuns = db.collection<ContactRunsDoc>('contact_runs');
  }

  async ensureIndexes(): Promise<void> {
    // list without a status filter: runs of one automation, newest first.
    await this.runs.createIndex({ automation_id: 1, _id: -1 }, { name: 'automation_id' });
    // list with a status filter, and findRunningIdsByAutomation (status 'running').
    await this.runs.createIndex({ automation_id: 1, status: 1, _id: -1 }, { name: 'automation_status_id' });
    // findRunningIds: the reconciler pages through every run still in progress.
    await this.runs.createIndex({ status: 1, _id: 1 }, { name: 'status_id' });
    // countByStatus, countStepStatuses, countFinished and durationsAt: runs of
    // one automation created in a time window (GET /automations/:id/metrics).
    await this.runs.createIndex({ automation_id: 1, created_at: 1 }, { name: 'automation_created_at' });
    await this.backfillContactRuns();
  }

  /**
   * Adds the runs in progress that were mirrored before `contact_runs`
   * existed, once per database. Runs that start meanwhile add themselves, and
   * both writes are idempotent, so two processes may do this at once.
   */
  private async backfillContactRuns(): Promise<void> {
    if ((await this.contactRuns.findOne({ _id: CONTACT_RUNS_BACKFILLED })) !== null) return;
    const running = this.runs.find({ status: 'running' }, { projection: { _id: 1, contact_id: 1 } });
    for await (const run of running) await this.addContactRun(run.contact_id, run._id);
    await upsertRetryingOnce(() =>
      this.contactRuns.updateOne({ _id: CONTACT_RUNS_BACKFILLED }, { $set: { running: [] } }, { upsert: true }),
    );
  }

  private async addContactRun(contactId: string, runId: string): Promise<void> {
    await this.contactRunWrites.run(contactId, () =>
      upsertRetryingOnce(() => this.contactRuns.updateOne({ _id: contactId }, { $addToSet: { running: runId } }, { upsert: true })),
    );
  }

  private async removeContactRun(contactId: string, runId: string): Promise<void> {
    await this.contactRunWrites.run(contactId, async () => {
      await this.contactRuns.updateOne({ _id: contactId }, { $pull: { running: runId } });
    });
  }

  /**
   * Writes `state` unless the mirror already contains this version or a newer
   * one, or a finished state (see replacesStored). Safe to repeat.
   *
   * The read and the write filter on `_id` alone. FerretDB 1.24 on SQLite
   * passes SQLite a lone `_id` equality and nothing else. For any other
   * filter, such as `_id` with `version`, it decodes every stored run in Go,
   * which bench/README.md measured at about 15 times the cost per run.
   * NOTE: the version check and the write are two operations. Writes of one
   * run are serialized in this process, but a write from another process
   * that lands between them can be replaced by an older version.
   */
  async saveState(state: RunState, options: SaveStateOptions = {}): Promise<void> {
    const receivesEvents = options.receivesEvents ?? true;
    const firstWrite = options.firstWrite ?? false;
    await this.writes.run(state.runId, () => this.writeIfNewer(state.runId, toRunFields(state), receivesEvents, firstWrite));
  }

  private async writeIfNewer(
    runId: string,
    fields: Omit<RunDoc, '_id'>,
    receivesEvents: boolean,
    firstWrite: boolean,
  ): Promise<void> {
    const projection = { status: 1, version: 1 } as const;
    // A first write skips the read: if the run is stored after all, the
    // insert below fails as a duplicate and the stored state is read then.
    const stored = firstWrite ? null : await this.runs.findOne({ _id: runId }, { projection });
    // The contact's list of runs in progress changes before the mirror does:
    // if the mirror write then fails, the retry repeats both writes, while the
    // reverse order could leave a run in progress missing from the list for
    // good. A run that is in the list but finished receives a signal that
    // Temporal rejects, which deliverEvent ignores.
    const finished = isFinished(fields.status);
    if (receivesEvents && stored === null && !finished) await this.addContactRun(fields.contact_id, runId);
    if (receivesEvents && finished && (stored === null || !isFinished(stored.status))) {
      await this.removeContactRun(fields.contact_id, runId);
    }
    if (stored === null) {
      try {
        await this.runs.insertOne({ _id: runId, ...fields });
        return;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Another attempt or process stored the run before this insert.
      const inserted = await this.runs.findOne({ _id: runId }, { projection });
      if (inserted !== null && !replacesStored(fields, inserted)) return;
    } else if (!replacesStored(fields, stored)) {
      return;
    }
    await this.runs.updateOne({ _id: runId }, { $set: fields });
  }

  async findById(runId: string): Promise<RunState | null> {
    const doc = await this.runs.findOne({ _id: runId });
    return doc ? fromDoc(doc) : null;
  }

  /** Lists one page of an automation's runs, newest first, optionally only those in `statuses`. */
  async list(options: ListRunsOptions): Promise<Page<RunState>> {
    const filter: Filter<RunDoc> = { automation_id: options.automationId };
    if (options.statuses !== undefined && options.statuses.length > 0) {
      filter.status = options.statuses.length === 1 ? options.statuses[0]! : { $in: options.statuses };
    }
    const page: PageRequest = { limit: options.limit, after: options.after, before: options.before };
    const result = await findPage(this.runs, filter, page);
    return { items: result.items.map(fromDoc), hasMore: result.hasMore };
  }

  /** Returns the ids of the contact's runs in progress; a run that has just finished may still be listed. */
  async findRunningIdsByContact(contactId: string): Promise<string[]> {
    const doc = await this.contactRuns.findOne({ _id: contactId });
    return doc?.running ?? [];
  }

  /** Lists the ids of runs in progress, in ascending id order after `after`, one page at a time. */
  async findRunningIds(page: { after: string | undefined; limit: number }): Promise<string[]> {
    const filter: Filter<RunDoc> = { status: 'running' };
    if (page.after !== undefined) filter._id = { $gt: page.after };
    const docs = await this.runs
      .find(filter, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .limit(page.limit)
      .toArray();
    return docs.map((doc) => doc._id);
  }

  async findRunningIdsByAutomation(automationId: string): Promise<string[]> {
    const docs = await this.runs
      .find({ automation_id: automationId, status: 'running' }, { projection: { _id: 1 } })
      .toArray();
    return docs.map((doc) => doc._id);
  }

  /** Counts the runs created in the window, by status. */
  async countByStatus(window: RunWindow): Promise<Map<RunStatus, number>> {
    const groups = await this.runs
      .aggregate<{ _id: RunStatus; n: number }>([
        { $match: windowFilter(window) },
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(groups.map((group) => [group._id, group.n]));
  }

  /** Counts the steps that the runs created in the window reached, by key, type and status. */
  async countStepStatuses(window: RunWindow): Promise<StepStatusCount[]> {
    const groups = await this.runs
      .aggregate<{ _id: string; n: number }>([
        { $match: windowFilter(window) },
        { $project: PROJECT_STEP_STATUSES },
        { $unwind: '$step_statuses' },
        { $group: { _id: '$step_statuses', n: { $sum: 1 } } },
      ])
      .toArray();

    const counts: StepStatusCount[] = [];
    for (const group of groups) {
      const entry = parseStepStatusEntry(group._id);
      if (entry) counts.push({ ...entry, count: group.n });
    }
    return counts;
  }

  /** Counts the finished runs created in the window, which are the runs with a duration. */
  async countFinished(window: RunWindow): Promise<number> {
    const result = await this.runs
      .aggregate<{ n: number }>([{ $match: finishedFilter(window) }, { $count: 'n' }])
      .toArray();
    return result[0]?.n ?? 0;
  }

  /**
   * Returns up to `limit` durations of the finished runs created in the
   * window, starting at zero-based `position` in the given sort order. The
   * database sorts and skips, so only the returned values reach this process.
   */
  async durationsAt(window: RunWindow, position: number, limit: number, order: 'ascending' | 'descending'): Promise<number[]> {
    const docs = await this.runs
      .aggregate<{ duration_ms: number }>([
        { $match: finishedFilter(window) },
        { $project: PROJECT_DURATION },
        { $sort: { duration_ms: order === 'ascending' ? 1 : -1 } },
        { $skip: position },
        { $limit: limit },
      ])
      .toArray();
    return docs.map((doc) => doc.duration_ms);
  }
}

// The projections keep `_id`: FerretDB 1.24 closes the connection on a
// `$project` that excludes it, and its process later panics.
const PROJECT_STEP_STATUSES = { step_statuses: 1 } as const;
const PROJECT_DURATION = { duration_ms: 1 } as const;

function windowFilter(window: RunWindow): Filter<RunDoc> {
  return {
    automation_id: window.automationId,
    created_at: { $gte: new Date(window.from), $lte: new Date(window.to) },
  };
}

/** Matches the runs in the window that have a duration. `$gte: 0` matches numbers only, so a null duration never matches. */
function finishedFilter(window: RunWindow): Filter<RunDoc> {
  return { ...windowFilter(window), duration_ms: { $gte: 0 } };
}

/**
 * Runs an upsert, and runs it again if it failed with a duplicate key error.
 * Two upserts of one new `_id` at once can both try to insert, and the loser
 * fails (FerretDB 1.24 does not retry it, unlike MongoDB for some cases). The
 * document exists after that failure, so the second attempt updates it.
 */
async function upsertRetryingOnce(upsert: () => Promise<unknown>): Promise<void> {
  try {
    await upsert();
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    await upsert();
  }
}
