import type { ConnectionType } from '../../domain/graph.js';

/** A step's output and the outgoing connection the run follows next. */
export interface StepOutcome {
  status: 'completed' | 'skipped';
  output: Record<string, unknown> | null;
  /** The connection type to follow, or null to end the run here. */
  follow: ConnectionType | null;
}

/** A business failure raised by workflow code itself, such as a rule on a missing field. */
export class StepFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}
