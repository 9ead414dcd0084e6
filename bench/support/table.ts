/** The plain-text table `npm run bench` prints from its results. */
import type { IngestionCase } from '../scenarios/ingestion.js';
import type { ListingResult } from '../scenarios/listing.js';
import type { ParkedResult, StopResult } from '../scenarios/parked-and-stop.js';
import type { RunOverheadResult } from '../scenarios/run-overhead.js';

interface Report {
  machine: { cpus: number; loadAverageAtStart: number[] };
  node: string;
  git: { commit: string; dirty: boolean };
  mongodb: string;
  totalSeconds: number;
  errors: Partial<Record<string, string>>;
  results: {
    overhead?: RunOverheadResult;
    ingestion?: IngestionCase[];
    parked?: ParkedResult;
    stop?: StopResult;
    listing?: ListingResult;
  };
}

type Row = [figure: string, value: string, target: string];

function check(met: boolean): string {
  return met ? 'met' : 'missed';
}

function overheadRows(result: RunOverheadResult): Row[] {
  const failed = result.rounds.reduce((sum, r) => sum + r.engine.failedStarts, 0);
  const partial = result.rounds.some((r) => !r.engine.allClosed || !r.engineDirect.allClosed || !r.bare.allClosed);
  return [
    ['Engine runs/s (3 steps, via POST /events/send)', String(result.engineRunsPerSecond), ''],
    ['Engine runs/s (3 steps, started directly)', String(result.engineDirectRunsPerSecond), ''],
    ['Bare workflow runs/s (3 no-op activities)', String(result.bareRunsPerSecond), ''],
    ['Engine / bare', String(result.ratio), `>= 0.7 ${check(result.ratio >= 0.7)}`],
    ['Engine started directly / bare', String(result.directRatio), ''],
    ...(failed > 0 ? [['Engine: event sends that failed (left out)', String(failed), '0'] as Row] : []),
    ...(partial ? [['Runs still open at the time limit (measured up to it)', 'yes', ''] as Row] : []),
  ];
}

function ingestionRows(cases: IngestionCase[]): Row[] {
  return cases.map((c) => [
    `POST /events/send, ${c.automations} automation(s), ${c.mirrorRuns} runs in mirror`,
    `${c.requestsPerSecond} req/s, p50 ${c.latency.p50Ms} ms, p99 ${c.latency.p99Ms} ms (n=${c.requests}${c.failed > 0 ? `, ${c.failed} failed` : ''})`,
    '',
  ]);
}

function listingRows(result: ListingResult): Row[] {
  const rows: Row[] = [
    ['Runs seeded (target)', `${result.seededRuns} (${result.targetRuns}) at ${result.insertDocsPerSecond} docs/s`, ''],
    [
      `Missed findOne per stored run (${result.probeRuns} runs)`,
      `_id only ${result.missedLookupMicrosecondsPerRun.idOnly} us, _id+version ${result.missedLookupMicrosecondsPerRun.idAndVersion} us`,
      '',
    ],
  ];
  for (const variant of result.variants) {
    rows.push([
      `List runs: ${variant.name}${variant.depth > 0 ? ` (depth ${variant.depth})` : ''}`,
      `p50 ${variant.latency.p50Ms} ms, p99 ${variant.latency.p99Ms} ms (n=${variant.latency.count})${variant.pagesCorrect ? '' : ' WRONG PAGE'}`,
      '',
    ]);
  }
  rows.push(['Deep / first page (p50)', String(result.deepOverFirst), `<= 1.5 ${check(result.deepOverFirst <= 1.5)}`]);
  rows.push(['Deep / first page, status filter (p50)', String(result.deepOverFirstFiltered), `<= 1.5 ${check(result.deepOverFirstFiltered <= 1.5)}`]);
  return rows;
}

function stopRows(result: StopResult): Row[] {
  const cancelled = result.mirrorCancelledSeconds === null ? `not all within the limit (${result.cancelledInMirror} cancelled)` : `${result.mirrorCancelledSeconds} s`;
  const rows: Row[] = [
    [`Stop: runs cancelled in mirror (${result.runs} runs)`, cancelled, ''],
    ['Stop: POST /automations/:id/stop response', `${result.stopResponseSeconds} s`, ''],
    ['Stop: emails sent after the stop', String(result.emailsAfterStop), `0 ${check(result.emailsAfterStop === 0)}`],
  ];
  if (result.estimatedSecondsForTarget !== null) {
    rows.push([`Stop: ${result.targetRuns} runs, ESTIMATE (linear)`, `${result.estimatedSecondsForTarget} s`, '']);
  }
  return rows;
}

function parkedRows(result: ParkedResult): Row[] {
  return [
    [`Parked runs (requested ${result.requested})`, `${result.parked} parked of ${result.started} started in ${result.parkSeconds} s`, ''],
    ['Worker RSS added by the parked runs', `${result.rssAddedMb} MB (${result.workerBefore.rssMb} -> ${result.workerAfter.rssMb})`, `< 100 MB ${check(result.rssAddedMb < 100)}`],
    [
      'Worker RSS added after the first batch',
      result.rssAddedAfterFirstBatchMb === null ? 'n/a' : `${result.rssAddedAfterFirstBatchMb} MB (${result.memoryByBatch[0]?.parked} -> ${result.parked} parked)`,
      '',
    ],
    ['Worker heap added by the parked runs', `${result.heapAddedMb} MB`, ''],
  ];
}

export function renderTable(report: Report): string {
  const { results } = report;
  const rows: Row[] = [
    ...(results.overhead ? overheadRows(results.overhead) : []),
    ...(results.ingestion ? ingestionRows(results.ingestion) : []),
    ...(results.listing ? listingRows(results.listing) : []),
    ...(results.stop ? stopRows(results.stop) : []),
    ...(results.parked ? parkedRows(results.parked) : []),
    ...Object.entries(report.errors).map(([scenario, message]): Row => [`${scenario}: FAILED`, String(message).slice(0, 120), '']),
  ];
  const header: Row = ['Figure', 'Value', 'Target'];
  const widths = [0, 1, 2].map((column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const line = (row: Row) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  const separator = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  const caption =
    `${report.machine.cpus} CPUs (shared, load ${report.machine.loadAverageAtStart[0]} at start), Node ${report.node}, ` +
    `${report.mongodb}, commit ${report.git.commit.slice(0, 10)}${report.git.dirty ? ' (uncommitted changes)' : ''}, ${report.totalSeconds} s`;
  return [caption, '', line(header), separator, ...rows.map(line)].join('\n');
}
