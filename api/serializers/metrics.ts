/** Automation metrics as the API renders them. */
import type { AutomationMetrics } from '../../domain/metrics.js';
import { RUN_STATUSES } from '../../domain/run-state.js';
import { formatTimestamp } from '../../domain/time.js';

export function automationMetricsObject(metrics: AutomationMetrics) {
  const runs = { total: RUN_STATUSES.reduce((sum, status) => sum + metrics.runs[status], 0), ...metrics.runs };
  return {
    object: 'automation_metrics' as const,
    automation_id: metrics.automationId,
    from: formatTimestamp(metrics.from),
    to: formatTimestamp(metrics.to),
    runs,
    steps: metrics.steps.map((step) => ({ key: step.key, type: step.type, counts: { ...step.counts } })),
    emails: { ...metrics.emails },
    duration_ms: { ...metrics.durationMs },
  };
}
