/**
 * Inputs and results of the run's activities. The workflow imports these
 * types only; the implementations live in this folder.
 */
import type {
  ContactUpdateConfig,
  SendEmailConfig,
} from '../domain/graph.js';
import type { RunState } from '../domain/run-state.js';
import type { ContactSnapshot } from '../workflows/contract.js';

/** Values a step may reference with `{ "var": ... }`. */
export interface VariableContext {
  event: Record<string, unknown>;
  waitEvents: Record<string, Record<string, unknown>>;
}

export interface SendEmailInput {
  runId: string;
  automationId: string;
  stepKey: string;
  /**
   * When the step started, in epoch milliseconds of workflow time, so the
   * same for every attempt. It dates the email's id. Absent in activities
   * scheduled by workflow code older than this field.
   */
  stepStartedAt?: number;
  contactId: string;
  config: SendEmailConfig;
  context: VariableContext;
}

export type SendEmailResult =
  | {
      status: 'sent';
      to: string;
      email_id: string;
      template: { id: string; variables: Record<string, unknown> };
    }
  | { status: 'skipped'; to: string; reason: 'unsubscribed' | 'topic_opt_out' };

export interface ContactUpdateInput {
  contactId: string;
  config: ContactUpdateConfig;
  context: VariableContext;
}

export interface ContactUpdateResult {
  updated: Record<string, unknown>;
}

export interface RunActivities {
  sendEmail(input: SendEmailInput): Promise<SendEmailResult>;
  loadContact(input: { contactId: string }): Promise<ContactSnapshot | null>;
  updateContact(input: ContactUpdateInput): Promise<ContactUpdateResult>;
  deleteContact(input: { contactId: string }): Promise<{ deleted: boolean }>;
  addToSegment(input: { contactId: string; segmentId: string }): Promise<{ segment_id: string }>;
  /**
   * `receivesEvents` is absent in calls from workflow code older than the
   * field, and then counts as true. `firstWrite` is true when no write of the
   * run has completed before, so the mirror document most likely does not
   * exist yet.
   */
  saveRunState(input: { state: RunState; receivesEvents?: boolean; firstWrite?: boolean }): Promise<void>;
}
