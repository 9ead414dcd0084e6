/**
 * The API's side of Temporal: starts run workflows, signals them and reads
 * their live state.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Logger } from '../config/logger.js';
import { isUuid } from '../domain/ids.js';
import type { RunState } from '../domain/run-state.js';
import {
  AUTOMATION_RUN_WORKFLOW,
  cancelRunSignal,
  eventReceivedSignal,
  runStateQuery,
  runWorkflowId,
} from '../workflows/contract.js';
import { automationIdKey, contactIdKey, runStatusKey } from '../workflows/search-attributes.js';
import type { RunsEngine } from './types.js';

const QUERY_TIMEOUT_MS = 3000;

export interface RunsEngineOptions {
  client: Client;
  taskQueue: string;
  log: Logger;
}

export function createRunsEngine({ client, taskQueue, log }: RunsEngineOptions): RunsEngine {
  return {
    async startRun(input) {
      try {
        await client.workflow.start(AUTOMATION_RUN_WORKFLOW, {
          workflowId: runWorkflowId(input.runId),
          taskQueue,
          args: [input],
          // A retried event send derives the same run id: an open run is reused, a closed one is not started again.
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: automationIdKey, value: input.automationId },
            { key: contactIdKey, value: input.contactId },
            { key: runStatusKey, value: 'running' },
          ],
          staticSummary: `Automation ${input.automationId}, event ${input.trigger.event}, contact ${input.contactId}`,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return;
        throw err;
      }
    },

    async deliverEvent(runIds, event) {
      await Promise.all(
        runIds.map(async (runId) => {
          try {
            await client.workflow.getHandle(runWorkflowId(runId)).signal(eventReceivedSignal, event);
          } catch (err) {
            if (err instanceof WorkflowNotFoundError) return;
            throw err;
          }
        }),
      );
    },

    async cancelRun(runId, reason) {
      try {
        await client.workflow.getHandle(runWorkflowId(runId)).signal(cancelRunSignal, { reason });
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },

    async getLiveState(runId): Promise<RunState | null> {
      const handle = client.workflow.getHandle(runWorkflowId(runId));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), QUERY_TIMEOUT_MS);
      });
      try {
        return await Promise.race([handle.query(runStateQuery), timeout]);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) log.warn({ runId, err }, 'run state query failed');
        return null;
      } finally {
        clearTimeout(timer);
      }
    },

    async listOpenRunIds(automationId) {
      // The id goes into a visibility query string, so accept nothing but a UUID.
      if (!isUuid(automationId)) return [];
      const ids: string[] = [];
      const query = `AutomationId = '${automationId}' AND ExecutionStatus = 'Running'`;
      for await (const execution of client.workflow.list({ query })) {
        ids.push(execution.workflowId.replace(/^run-/, ''));
      }
      return ids;
    },
  };
}
