/**
 * Activity proxies with explicit timeouts and retry policies, set in one place
 * so no activity call can be scheduled without them.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RunActivities } from '../activities/types.js';
import { STEP_FAILURE } from '../domain/step-failures.js';

const NON_RETRYABLE = Object.values(STEP_FAILURE);

/** Steps that change a contact or a segment: quick, retried on transient errors. */
export const contactActivities = proxyActivities<RunActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/**
 * Email delivery. A temporary SMTP failure (4xx, connection refused) is retried
 * with backoff for about half an hour; a permanent one fails the step at once.
 * The send heartbeats, so an attempt whose worker died is retried after the
 * heartbeat timeout, not after the whole start-to-close timeout.
 */
export const mailActivities = proxyActivities<RunActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 12,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/**
 * Mirror writes run as local activities: cheap, and retried without limit so a
 * MongoDB outage delays the mirror instead of dropping a write.
 */
export const mirrorActivities = proxyLocalActivities<RunActivities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
  },
});
