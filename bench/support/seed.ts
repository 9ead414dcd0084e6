/**
 * Writes finished run mirrors straight into the runs collection, in the
 * document shape RunsRepository.saveState writes, for the benchmarks that
 * need a large mirror without running that many workflows.
 */
import type { Collection, Db } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { deterministicUuidv7 } from '../../domain/ids.js';
import type { RunStatus, StepStatus } from '../../domain/run-state.js';
import type { RunDoc } from '../../repositories/runs.js';

/** Status of the seeded run at each position modulo 20: 14 completed, 2 running, 2 failed, 1 cancelled, 1 skipped. */
const STATUS_CYCLE: readonly RunStatus[] = [
  'completed', 'completed', 'running', 'completed', 'completed', 'failed', 'completed', 'completed', 'completed', 'cancelled',
  'completed', 'completed', 'running', 'completed', 'completed', 'failed', 'completed', 'completed', 'skipped', 'completed',
];

/** Status of the email step of a finished seeded run, by the run's status. */
const EMAIL_STEP_STATUS: Record<Exclude<RunStatus, 'running'>, StepStatus> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'skipped',
  skipped: 'skipped',
};

export interface SeedOptions {
  automationIds: readonly string[];
  count: number;
  /** Position of the first run in the whole seeded sequence; it picks the automation and the status. */
  firstIndex?: number;
  batchSize: number;
  /**
   * Creation time of the run at position 0; each next position is created one
   * millisecond later, so run ids (UUID v7 of the creation time) sort in
   * seeding order.
   */
  firstCreatedAt: number;
  /** Receives the id and status of each run of `trackedAutomationId`, oldest first. */
  onTrackedRun?: (id: string, status: RunStatus) => void;
  trackedAutomationId?: string;
  /** Stops seeding after this time, leaving the runs written so far. */
  timeLimitMs: number;
}

export interface SeedResult {
  inserted: number;
  seconds: number;
  docsPerSecond: number;
}

export function runsCollection(db: Db): Collection<RunDoc> {
  return db.collection<RunDoc>('runs');
}

/** Inserts `count` runs round-robin across the automations, in batches of `insertMany`. */
export async function seedRuns(db: Db, options: SeedOptions): Promise<SeedResult> {
  const runs = runsCollection(db);
  const seed = randomBytes(8).toString('hex');
  const started = performance.now();
  const firstIndex = options.firstIndex ?? 0;
  let inserted = 0;

  while (inserted < options.count && performance.now() - started < options.timeLimitMs) {
    const batch: RunDoc[] = [];
    const end = Math.min(options.count, inserted + options.batchSize);
    for (let index = firstIndex + inserted; index < firstIndex + end; index += 1) {
      const automationId = options.automationIds[index % options.automationIds.length]!;
      const doc = seededRun(automationId, index, options.firstCreatedAt + index, seed);
      if (automationId === options.trackedAutomationId) options.onTrackedRun?.(doc._id, doc.status);
      batch.push(doc);
    }
    await runs.insertMany(batch, { ordered: false });
    inserted = end;
  }

  const seconds = (performance.now() - started) / 1000;
  return { inserted, seconds, docsPerSecond: inserted / seconds };
}

/** Builds a run of the three-step automation as the mirror stores it, finished unless its status is running. */
function seededRun(automationId: string, index: number, createdAt: number, seed: string): RunDoc {
  const id = (kind: string, at: number) => deterministicUuidv7(`${seed}:${kind}:${index}`, at);
  const status = STATUS_CYCLE[index % STATUS_CYCLE.length]!;
  const created = new Date(createdAt);
  const finished = status === 'running' ? null : new Date(createdAt + 850);
  const eventId = id('event', createdAt);
  const stepAt = (offset: number) => new Date(createdAt + offset);

  const steps: RunDoc['steps'] = [
    {
      key: 'start',
      type: 'trigger',
      status: 'completed',
      output_json: JSON.stringify({ event: 'user.created', event_id: eventId }),
      error: null,
      created_at: created,
      started_at: created,
      completed_at: created,
    },
    {
      key: 'name_contact',
      type: 'contact_update',
      status: 'completed',
      output_json: JSON.stringify({ first_name: 'Bench' }),
      error: null,
      created_at: stepAt(120),
      started_at: stepAt(120),
      completed_at: stepAt(300),
    },
  ];
  if (status !== 'running') {
    steps.push({
      key: 'welcome',
      type: 'send_email',
      status: EMAIL_STEP_STATUS[status],
      output_json: status === 'failed' ? null : JSON.stringify({ to: `bench-${index}@example.com`, email_id: id('email', createdAt + 800), template: { id: 'bench', variables: { PRODUCT: 'Orbit' } } }),
      error: status === 'failed' ? { name: 'smtp_rejected', message: 'SMTP server rejected the email: 550 mailbox unavailable' } : null,
      created_at: stepAt(300),
      started_at: stepAt(300),
      completed_at: finished,
    });
  }

  return {
    _id: id('run', createdAt),
    automation_id: automationId,
    contact_id: id('run', createdAt),
    status,
    trigger_event_id: eventId,
    trigger_event: 'user.created',
    trigger_payload_json: JSON.stringify({ product: 'Orbit', plan: 'pro' }),
    steps,
    step_statuses: steps.map((step) => `${step.key}:${step.type}:${step.status}`),
    duration_ms: finished === null ? null : finished.getTime() - createdAt,
    created_at: created,
    started_at: created,
    completed_at: finished,
    version: steps.length * 2 + 1,
    updated_at: finished ?? created,
  };
}
