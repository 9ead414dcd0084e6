/**
 * Ingestion: throughput and latency of POST /events/send at a fixed
 * concurrency, with 1 and with 5 enabled automations triggered by the event.
 * The API under test starts runs on a task queue that no worker polls, so
 * the runs do not compete with it for the CPU. The figures are the API's own
 * work: the contact and automation lookups, the workflow starts and the
 * search for the contact's runs in progress.
 */
import type { Db } from 'mongodb';
import { contactEmail, createAutomation, createContacts, parkedAutomation } from '../support/fixtures.js';
import type { ApiClient } from '../support/product.js';
import { seedRuns } from '../support/seed.js';
import { round, runBounded, summarize, type LatencySummary } from '../support/stats.js';

export interface IngestionOptions {
  api: ApiClient;
  db: Db;
  templateId: string;
  requests: number;
  concurrency: number;
  timeLimitMs: number;
  contacts: number;
  /** Run mirrors seeded before the last configuration, to show what the search for a contact's runs costs. */
  mirrorRuns: number;
}

export interface IngestionCase {
  automations: number;
  /** Run mirrors in the database while the requests ran. */
  mirrorRuns: number;
  requests: number;
  failed: number;
  requestsPerSecond: number;
  runsStartedPerSecond: number;
  latency: LatencySummary;
  timedOut: boolean;
}

export async function runIngestion(options: IngestionOptions): Promise<IngestionCase[]> {
  await createContacts(options.api, 'ingest', options.contacts);

  const cases: IngestionCase[] = [];
  cases.push(await measure(options, 'one', 1, 0));
  cases.push(await measure(options, 'five', 5, 0));
  if (options.mirrorRuns > 0) {
    await seedRuns(options.db, {
      automationIds: ['00000000-0000-7000-8000-000000000000'],
      count: options.mirrorRuns,
      batchSize: 1000,
      firstCreatedAt: Date.now() - options.mirrorRuns - 60_000,
      timeLimitMs: 120_000,
    });
    cases.push(await measure(options, 'seeded', 1, options.mirrorRuns));
  }
  return cases;
}

async function measure(options: IngestionOptions, label: string, automations: number, mirrorRuns: number): Promise<IngestionCase> {
  const eventName = `bench.ingest.${label}`;
  for (let i = 0; i < automations; i += 1) {
    await createAutomation(options.api, parkedAutomation(eventName, options.templateId, `Ingest ${label} ${i}`));
  }

  const result = await runBounded(
    { count: options.requests, concurrency: options.concurrency, timeLimitMs: options.timeLimitMs },
    async (i) => {
      const email = contactEmail('ingest', i % options.contacts);
      await options.api.request('POST', '/events/send', { event: eventName, email, payload: { product: 'Orbit', index: i } }, 202);
    },
  );

  const seconds = result.elapsedMs / 1000;
  return {
    automations,
    mirrorRuns,
    requests: result.completed,
    failed: result.failed,
    requestsPerSecond: round(result.completed / seconds, 1),
    runsStartedPerSecond: round((result.completed * automations) / seconds, 1),
    latency: summarize(result.latenciesMs),
    timedOut: result.timedOut,
  };
}
