/**
 * STUB: an in-memory RunsEngine for route tests. It records every call and
 * returns values from maps that the test fills in. It runs no workflow; the
 * end-to-end tests cover the real engine.
 */
import type { RunState } from '../../domain/run-state.js';
import type { RunsEngine } from '../../engine/types.js';
import type { CancelSignal, EventSignal, RunInput } from '../../workflows/contract.js';

export class RunsEngineStub implements RunsEngine {
  readonly started: RunInput[] = [];
  readonly delivered: Array<{ runIds: string[]; event: EventSignal }> = [];
  readonly cancelled: Array<{ runId: string; reason: CancelSignal['reason'] }> = [];
  /** Live states returned by getLiveState, by run id. */
  readonly liveStates = new Map<string, RunState>();
  /** Open run ids returned by listOpenRunIds, by automation id. */
  readonly openRunIds = new Map<string, string[]>();
  /** When set, every call rejects with this error, as when Temporal is unreachable. */
  failure: Error | undefined;
  /** Called on cancelRun, so a test can play the worker and write the cancelled state. */
  onCancel: ((runId: string) => Promise<void>) | undefined;

  async startRun(input: RunInput): Promise<void> {
    this.throwIfFailing();
    this.started.push(input);
  }

  async deliverEvent(runIds: string[], event: EventSignal): Promise<void> {
    this.throwIfFailing();
    this.delivered.push({ runIds, event });
  }

  async cancelRun(runId: string, reason: CancelSignal['reason']): Promise<boolean> {
    this.throwIfFailing();
    this.cancelled.push({ runId, reason });
    await this.onCancel?.(runId);
    return true;
  }

  async getLiveState(runId: string): Promise<RunState | null> {
    this.throwIfFailing();
    return this.liveStates.get(runId) ?? null;
  }

  async listOpenRunIds(automationId: string): Promise<string[]> {
    this.throwIfFailing();
    return this.openRunIds.get(automationId) ?? [];
  }

  private throwIfFailing(): void {
    if (this.failure) throw this.failure;
  }
}
