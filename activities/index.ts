/**
 * The run's activities, built from their dependencies so tests and the worker
 * pass in real repositories and a real mailer.
 */
import type { Logger } from '../config/logger.js';
import type { RunState } from '../domain/run-state.js';
import type { Mailer } from '../mail/mailer.js';
import type { EmailsRepository } from '../repositories/emails.js';
import { createSendEmail, type TemplateSource } from './send-email.js';
import { createContactActivities, type ContactStore, type SegmentStore } from './contacts.js';
import { withHeartbeats } from './heartbeat.js';
import type { RunActivities } from './types.js';

export interface ActivityDependencies {
  contacts: ContactStore;
  segments: SegmentStore;
  templates: TemplateSource;
  runs: { saveState(state: RunState): Promise<void> };
  emails: EmailsRepository;
  mailer: Mailer;
  /** Sender used when neither the step nor the template names one. */
  mailFrom: string;
  log: Logger;
}

export function createActivities(deps: ActivityDependencies): RunActivities {
  const contactActivities = createContactActivities(deps);
  return {
    sendEmail: withHeartbeats(createSendEmail(deps)),
    ...contactActivities,
    async saveRunState({ state }) {
      await deps.runs.saveState(state);
    },
  };
}
