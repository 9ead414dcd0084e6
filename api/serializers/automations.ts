/** Automations as the API renders them. */
import type { Automation } from '../../repositories/automations.js';
import { timestamp } from './time.js';

export function automationListItem(automation: Automation) {
  return {
    id: automation.id,
    name: automation.name,
    status: automation.status,
    created_at: timestamp(automation.createdAt),
    updated_at: timestamp(automation.updatedAt),
  };
}

export function automationObject(automation: Automation) {
  return {
    object: 'automation' as const,
    ...automationListItem(automation),
    steps: automation.graph.steps.map((step) => ({ key: step.key, type: step.type, config: step.config })),
    connections: automation.graph.connections.map((connection) => ({
      from: connection.from,
      to: connection.to,
      type: connection.type,
    })),
  };
}
