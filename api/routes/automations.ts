/** /automations: create, list, read, edit, stop, duplicate and delete automations. */
import { Hono } from 'hono';
import type { AutomationGraph } from '../../domain/graph.js';
import { checkAutomationGraph } from '../automation-graph.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadAutomation } from '../lookups.js';
import { cancelOpenRuns } from '../run-cancellation.js';
import { createAutomationBody, listAutomationsQuery, updateAutomationBody } from '../schemas/automations.js';
import { listResponse, toPageRequest } from '../schemas/common.js';
import { automationListItem, automationObject } from '../serializers/automations.js';
import { expectNoBody, parseBody, parseQuery, uuidParam } from '../validation.js';
import { createAutomationMetricsRoutes } from './automation-metrics.js';
import { createAutomationRunsRoutes } from './automation-runs.js';

export function createAutomationsRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post('/', async (c) => {
    const body = await parseBody(c, createAutomationBody);
    const { repos } = c.var.services;
    const graph = await checkAutomationGraph(repos, body);
    const automation = await repos.automations.create({ name: body.name, status: body.status ?? 'disabled', graph });
    return c.json({ object: 'automation' as const, id: automation.id }, 201);
  });

  routes.get('/', async (c) => {
    const query = parseQuery(c, listAutomationsQuery);
    const page = await c.var.services.repos.automations.list({ status: query.status, page: toPageRequest(query) });
    return c.json(listResponse(page, automationListItem));
  });

  routes.get('/:id', async (c) => {
    return c.json(automationObject(await loadAutomation(c)));
  });

  routes.patch('/:id', async (c) => {
    const id = uuidParam(c, 'id');
    const body = await parseBody(c, updateAutomationBody);
    const { repos } = c.var.services;

    let graph: AutomationGraph | undefined;
    if (body.steps !== undefined && body.connections !== undefined) {
      graph = await checkAutomationGraph(repos, { steps: body.steps, connections: body.connections });
    }

    const result = await repos.automations.update(id, { name: body.name, status: body.status, graph });
    if (result.status === 'not_found') throw ApiError.notFound(`Automation ${id} was not found.`);
    if (result.status === 'enabled') {
      throw ApiError.validation(
        `Automation ${id} is enabled, so its steps and connections cannot change. Disable it first (PATCH with "status": "disabled") or duplicate it and edit the copy.`,
      );
    }
    return c.json({ object: 'automation' as const, id });
  });

  // Disables first so no new run starts, then cancels the open runs, then deletes.
  routes.delete('/:id', async (c) => {
    const id = uuidParam(c, 'id');
    const { repos } = c.var.services;
    const disabled = await repos.automations.setStatus(id, 'disabled');
    if (!disabled) throw ApiError.notFound(`Automation ${id} was not found.`);

    await cancelOpenRuns(c.var.services, id, 'automation_deleted');
    await repos.automations.delete(id);
    return c.json({ object: 'automation' as const, id, deleted: true });
  });

  routes.post('/:id/stop', async (c) => {
    const id = uuidParam(c, 'id');
    await expectNoBody(c);
    const disabled = await c.var.services.repos.automations.setStatus(id, 'disabled');
    if (!disabled) throw ApiError.notFound(`Automation ${id} was not found.`);

    await cancelOpenRuns(c.var.services, id, 'automation_stopped');
    return c.json({ object: 'automation' as const, id, status: 'disabled' as const });
  });

  routes.post('/:id/duplicate', async (c) => {
    const id = uuidParam(c, 'id');
    await expectNoBody(c);
    const copy = await c.var.services.repos.automations.duplicate(id);
    if (!copy) throw ApiError.notFound(`Automation ${id} was not found.`);
    return c.json({ object: 'automation' as const, id: copy.id }, 201);
  });

  routes.route('/', createAutomationRunsRoutes());
  routes.route('/', createAutomationMetricsRoutes());

  return routes;
}
