/**
 * Heartbeats for activities that cannot report progress of their own, such
 * as one SMTP transaction. Temporal times out a heartbeating activity whose
 * worker died after its heartbeat timeout instead of its whole
 * start-to-close timeout, so the retry runs on another worker much sooner.
 */
import { Context } from '@temporalio/activity';

/**
 * Wraps an activity so that it heartbeats every third of its heartbeat
 * timeout while it runs. Without a heartbeat timeout in the activity options
 * it does nothing extra, because Temporal then expects no heartbeats.
 */
export function withHeartbeats<Input, Output>(activity: (input: Input) => Promise<Output>) {
  return async (input: Input): Promise<Output> => {
    const context = Context.current();
    const timeoutMs = context.info.heartbeatTimeoutMs;
    if (timeoutMs === undefined || timeoutMs <= 0) return activity(input);

    context.heartbeat();
    const timer = setInterval(() => context.heartbeat(), Math.max(timeoutMs / 3, 100));
    try {
      return await activity(input);
    } finally {
      clearInterval(timer);
    }
  };
}
