/** /automations/:id/metrics: run, step, email and duration figures over a time window. */
import { Hono } from 'hono';
import { DEFAULT_METRICS_WINDOW_MS, collectAutomationMetrics } from '../automation-metrics.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadAutomation } from '../lookups.js';
import { metricsQuery } from '../schemas/metrics.js';
import { automationMetricsObject } from '../serializers/metrics.js';
import { parseQuery } from '../validation.js';

export function createAutomationMetricsRoutes() {
  const routes = new Hono<AppEnv>();

  routes.get('/:id/metrics', async (c) => {
    const automation = await loadAutomation(c);
    const query = parseQuery(c, metricsQuery);

    const to = query.to ?? Date.now();
    const from = query.from ?? to - DEFAULT_METRICS_WINDOW_MS;
    if (from > to) {
      throw ApiError.invalidParameter('Query parameter `from` must not be later than `to`.');
    }

    const metrics = await collectAutomationMetrics(c.var.services.repos.runs, automation, { from, to });
    return c.json(automationMetricsObject(metrics));
  });

  return routes;
}
