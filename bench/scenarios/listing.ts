/**
 * Listing at scale: run mirrors seeded straight into the runs collection
 * across ten automations, then GET /automations/:id/runs for the first page
 * and for a page far down, reached with `after=<id of the item at that
 * depth>`, with and without a status filter.
 *
 * The seeded count is the largest that fits the time budget, up to the
 * target. The first 10,000 runs measure the insert rate and the latency of
 * one listing, and the rest of the budget decides the count. The sizing
 * assumes that a listing's latency grows linearly with the collection size.
 * FerretDB on SQLite behaves so, because it reads the whole collection for
 * every filter. On MongoDB the indexes serve the listing, so the assumption
 * overestimates its latency and the count comes out smaller than it could be.
 */
import type { Db } from 'mongodb';
import type { RunStatus } from '../../domain/run-state.js';
import { createAutomation, createPublishedTemplate, threeStepAutomation } from '../support/fixtures.js';
import type { ApiClient } from '../support/product.js';
import { runsCollection, seedRuns } from '../support/seed.js';
import { round, summarize, type LatencySummary } from '../support/stats.js';

export interface ListingOptions {
  api: ApiClient;
  db: Db;
  targetRuns: number;
  targetDepth: number;
  probeRuns: number;
  batchSize: number;
  /** Timed requests per variant. */
  requestsPerVariant: number;
  /** Budget for seeding and requests together. */
  timeLimitMs: number;
}

export interface ListingVariant {
  name: string;
  status: RunStatus | null;
  /** 0 for the first page; else the depth of the item named by `after`. */
  depth: number;
  latency: LatencySummary;
  /** Whether every page held the expected runs in the expected order. */
  pagesCorrect: boolean;
}

export interface ListingResult {
  targetRuns: number;
  seededRuns: number;
  insertDocsPerSecond: number;
  seedSeconds: number;
  /** Latency of one unfiltered first-page listing with `probeRuns` in the collection, which sized the run. */
  probeListingMs: number;
  probeRuns: number;
  /**
   * Time of a `findOne` that matches nothing, per stored run, with `probeRuns`
   * in the collection: filtering on `_id` alone, and on `_id` and `version`.
   * FerretDB on SQLite reads every run for both; only the first reaches SQLite.
   */
  missedLookupMicrosecondsPerRun: { idOnly: number; idAndVersion: number };
  runsPerAutomation: number;
  pageLimit: number;
  variants: ListingVariant[];
  /** p50 of the deep page over p50 of the first page, without and with the status filter. */
  deepOverFirst: number;
  deepOverFirstFiltered: number;
}

const AUTOMATIONS = 10;
const PAGE_LIMIT = 20;
const FILTER_STATUS: RunStatus = 'completed';

interface TrackedRun {
  id: string;
  status: RunStatus;
}

export async function runListing(options: ListingOptions): Promise<ListingResult> {
  const started = performance.now();
  const templateId = await createPublishedTemplate(options.api);
  const automationIds: string[] = [];
  for (let i = 0; i < AUTOMATIONS; i += 1) {
    const body = { ...threeStepAutomation(`bench.listing.${i}`, templateId), status: 'disabled' };
    automationIds.push(await createAutomation(options.api, body));
  }
  const measured = automationIds[0]!;
  const tracked: TrackedRun[] = [];
  const seedCommon = {
    automationIds,
    batchSize: options.batchSize,
    trackedAutomationId: measured,
    onTrackedRun: (id: string, status: RunStatus) => tracked.push({ id, status }),
  };
  // Creation times run one millisecond apart, ending a minute ago.
  const firstCreatedAt = Date.now() - options.targetRuns - 60_000;

  const probe = await seedRuns(options.db, {
    ...seedCommon,
    count: Math.min(options.probeRuns, options.targetRuns),
    firstCreatedAt,
    timeLimitMs: options.timeLimitMs,
  });
  const probeStarted = performance.now();
  await listPage(options.api, measured, null, undefined);
  const probeListingMs = performance.now() - probeStarted;
  const missedLookupMicrosecondsPerRun = await timeMissedLookups(options.db, probe.inserted);

  const count = sizeRun(options, probe.inserted, probe.docsPerSecond, probeListingMs, performance.now() - started);
  const rest = await seedRuns(options.db, {
    ...seedCommon,
    count: count - probe.inserted,
    firstIndex: probe.inserted,
    firstCreatedAt,
    timeLimitMs: Math.max(0, options.timeLimitMs - (performance.now() - started)),
  });
  const seededRuns = probe.inserted + rest.inserted;
  const seedSeconds = probe.seconds + rest.seconds;

  const newestFirst = [...tracked].reverse();
  const filtered = newestFirst.filter((run) => run.status === FILTER_STATUS);
  const variants = [
    variant('first page', null, 0, newestFirst),
    variant('deep page', null, options.targetDepth, newestFirst),
    variant(`first page, status=${FILTER_STATUS}`, FILTER_STATUS, 0, filtered),
    variant(`deep page, status=${FILTER_STATUS}`, FILTER_STATUS, options.targetDepth, filtered),
  ];
  const latencies = variants.map(() => [] as number[]);
  const correct = variants.map(() => true);

  // Variants take turns, so a burst of load from elsewhere on the machine spreads over all of them.
  for (let request = 0; request < options.requestsPerVariant; request += 1) {
    for (const [index, plan] of variants.entries()) {
      // Every variant gets at least one request, whatever the time.
      if (request > 0 && performance.now() - started > options.timeLimitMs) break;
      const requestStarted = performance.now();
      const page = await listPage(options.api, measured, plan.status, plan.after);
      latencies[index]!.push(performance.now() - requestStarted);
      const ids = page.data.map((run) => run.id);
      if (ids.join() !== plan.expected.join()) correct[index] = false;
    }
  }

  const results = variants.map((plan, index) => ({
    name: plan.name,
    status: plan.status,
    depth: plan.depth,
    latency: summarize(latencies[index]!),
    pagesCorrect: correct[index]!,
  }));
  return {
    targetRuns: options.targetRuns,
    seededRuns,
    insertDocsPerSecond: round(seededRuns / seedSeconds, 0),
    seedSeconds: round(seedSeconds, 1),
    probeListingMs: round(probeListingMs),
    probeRuns: probe.inserted,
    missedLookupMicrosecondsPerRun,
    runsPerAutomation: Math.floor(seededRuns / AUTOMATIONS),
    pageLimit: PAGE_LIMIT,
    variants: results,
    deepOverFirst: round(results[1]!.latency.p50Ms / results[0]!.latency.p50Ms, 2),
    deepOverFirstFiltered: round(results[3]!.latency.p50Ms / results[2]!.latency.p50Ms, 2),
  };
}

/**
 * Picks the largest run count, up to the target, whose remaining seeding and
 * timed requests fit the budget, from the measured insert rate and listing latency.
 */
function sizeRun(options: ListingOptions, seeded: number, docsPerSecond: number, probeListingMs: number, elapsedMs: number): number {
  const remainingSeconds = (options.timeLimitMs - elapsedMs) / 1000;
  const listingSecondsPerRun = probeListingMs / 1000 / Math.max(1, seeded);
  const requests = 4 * options.requestsPerVariant;
  // remaining >= (count - seeded) / rate + requests * count * listingSecondsPerRun
  const affordable = (remainingSeconds + seeded / docsPerSecond) / (1 / docsPerSecond + requests * listingSecondsPerRun);
  return Math.max(seeded, Math.min(options.targetRuns, Math.floor(affordable / 1000) * 1000));
}

/** Times a lookup of a missing run id with each filter shape; a miss reads the whole collection. */
async function timeMissedLookups(db: Db, storedRuns: number): Promise<ListingResult['missedLookupMicrosecondsPerRun']> {
  const runs = runsCollection(db);
  const missing = '00000000-0000-7000-8000-000000000000';
  const time = async (lookup: () => Promise<unknown>) => {
    const started = performance.now();
    await lookup();
    return round(((performance.now() - started) * 1000) / Math.max(1, storedRuns), 1);
  };
  return {
    idOnly: await time(() => runs.findOne({ _id: missing })),
    idAndVersion: await time(() => runs.findOne({ _id: missing, version: { $lt: 0 } })),
  };
}

interface PagePlan {
  name: string;
  status: RunStatus | null;
  depth: number;
  after: string | undefined;
  expected: string[];
}

/** Plans a page: the item at `depth` (0 = newest) names the cursor, and the page contains the items after it. */
function variant(name: string, status: RunStatus | null, targetDepth: number, newestFirst: TrackedRun[]): PagePlan {
  if (targetDepth === 0) {
    return { name, status, depth: 0, after: undefined, expected: newestFirst.slice(0, PAGE_LIMIT).map((run) => run.id) };
  }
  // Keep a full page behind the cursor when fewer runs were seeded than the target depth needs.
  const depth = Math.max(1, Math.min(targetDepth, newestFirst.length - PAGE_LIMIT - 1));
  const after = newestFirst[depth]?.id;
  const expected = newestFirst.slice(depth + 1, depth + 1 + PAGE_LIMIT).map((run) => run.id);
  return { name, status, depth, after, expected };
}

async function listPage(api: ApiClient, automationId: string, status: RunStatus | null, after: string | undefined): Promise<{ data: Array<{ id: string }> }> {
  const query = new URLSearchParams({ limit: String(PAGE_LIMIT) });
  if (status !== null) query.set('status', status);
  if (after !== undefined) query.set('after', after);
  return api.request('GET', `/automations/${automationId}/runs?${query.toString()}`);
}
