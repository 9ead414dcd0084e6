/**
 * Request schemas of the automations endpoints. Steps and connections are
 * only checked to be arrays here; validateAutomationGraph checks their content.
 */
import { z } from 'zod';
import { RUN_STATUSES } from '../../domain/run-state.js';
import type { RunStatus } from '../../domain/run-state.js';
import { MAX_AUTOMATION_NAME_LENGTH } from '../../repositories/automations.js';
import { pagedQuery, resourceName } from './common.js';

const automationStatus = z.enum(['enabled', 'disabled']);

export const createAutomationBody = z.strictObject({
  name: resourceName(MAX_AUTOMATION_NAME_LENGTH),
  status: automationStatus.optional(),
  steps: z.array(z.unknown()),
  connections: z.array(z.unknown()),
});

export const updateAutomationBody = z
  .strictObject({
    name: resourceName(MAX_AUTOMATION_NAME_LENGTH).optional(),
    status: automationStatus.optional(),
    steps: z.array(z.unknown()).optional(),
    connections: z.array(z.unknown()).optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    error: 'must contain at least one of `name`, `status`, or `steps` with `connections`',
  })
  .refine((body) => (body.steps === undefined) === (body.connections === undefined), {
    error: 'must contain `steps` and `connections` together, because the graph is replaced as a whole',
  });

export const listAutomationsQuery = pagedQuery({ status: automationStatus.optional() });

/** `status` as a comma-separated list such as `running,failed`. */
const runStatusList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()))
  .refine((parts) => parts.every((part) => (RUN_STATUSES as readonly string[]).includes(part)), {
    error: `must be a comma-separated list of ${RUN_STATUSES.join(', ')}`,
  })
  .transform((parts) => [...new Set(parts)] as RunStatus[]);

export const listRunsQuery = pagedQuery({ status: runStatusList.optional() });
