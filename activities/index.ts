/**
 * The run's activities, built from their dependencies so tests and the worker
 * pass in real repositories and a real mailer.
 */
import type { Logger } from '../config/logger.js';
import type { RunsRepository } from '../repositories/runs.js';
import type { Mailer } from '../mail/mailer.js';
import type { EmailsRepository } from '../repositories/emails.js';
import type { UnsubscribeLinks } from '../mail/unsubscribe-links.js';
import { createSendEmail, type TemplateSource, type TopicSubscriptionSource } from './send-email.js';
import {
  createContactActivities,
  type ContactPropertyStore,
  type ContactStore,
  type SegmentStore,
} from './contacts.js';
import { withHeartbeats } from './heartbeat.js';
import type { RunActivities } from './types.js';

export interface ActivityDependencies {
  contacts: ContactStore;
  segments: SegmentStore;
  contactProperties: ContactPropertyStore;
  templates: TemplateSource;
  topics: TopicSubscriptionSource;
  /** Builds the unsubscribe link of each email, for the template and the List-Unsubscribe header. */
  unsubscribeLinks: UnsubscribeLinks;
  runs: Pick<RunsRepository, 'saveState'>;
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
    async saveRunState({ state, receivesEvents, firstWrite }) {
      await deps.runs.saveState(state, { receivesEvents: receivesEvents ?? true, firstWrite: firstWrite ?? false });
    },
  };
}
