/**
 * Attempts of one send_email step, called as Temporal would call them: the
 * real activity over the real MongoDB-compatible server, with a mailer that
 * records what it was asked to deliver and can fail like an SMTP server.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../config/logger.js';
import { uuidv7 } from '../../domain/ids.js';
import { createActivities } from '../../activities/index.js';
import type { SendEmailInput, SendEmailResult } from '../../activities/types.js';
import type { Mailer, OutgoingEmail } from '../../mail/mailer.js';
import { connectMongo, createRepositories, type MongoConnection, type Repositories } from '../../repositories/db.js';
import { EmailsRepository } from '../../repositories/emails.js';
import { buildActivityDependencies } from '../../worker.js';
import { mongodbUri, uniqueDatabaseName } from '../support/services.js';

let mongo: MongoConnection;
let repos: Repositories;
let emails: EmailsRepository;
let templateId: string;

/** Delivers nothing; fails the next `failures` calls with an SMTP 451 reply. */
class RecordingMailer implements Mailer {
  readonly delivered: OutgoingEmail[] = [];
  failures = 0;

  async send(email: OutgoingEmail): Promise<{ response: string }> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw Object.assign(new Error('451 try again later'), { responseCode: 451, response: '451 try again later' });
    }
    this.delivered.push(email);
    return { response: '250 OK' };
  }

  close(): void {}
}

beforeAll(async () => {
  mongo = await connectMongo({ mongodbUri: mongodbUri(), mongodbDatabase: uniqueDatabaseName('attempts') });
  repos = createRepositories(mongo.db);
  emails = new EmailsRepository(mongo.db);
  await emails.ensureIndexes();
  for (const repository of [repos.contacts, repos.templates]) await repository.ensureIndexes();

  const created = await repos.templates.create({ name: 'Note', subject: 'Hi', html: '<p>Hi</p>' });
  if (created.status !== 'ok') throw new Error('template create failed');
  templateId = created.template._id;
  await repos.templates.publish(templateId);
});

afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.client.close();
});

async function stepInput(overrides: Partial<SendEmailInput> = {}): Promise<SendEmailInput> {
  const contact = await repos.contacts.create({ email: `${uuidv7()}@example.com` });
  if (!contact) throw new Error('contact create failed');
  return {
    runId: uuidv7(),
    automationId: uuidv7(),
    stepKey: 'mail',
    stepStartedAt: Date.now(),
    contactId: contact._id,
    config: { template: { id: templateId } },
    context: { event: {}, waitEvents: {} },
    ...overrides,
  };
}

function attempt(mailer: Mailer, input: SendEmailInput): Promise<SendEmailResult> {
  const activities = createActivities(
    buildActivityDependencies({
      repos,
      emails,
      mailer,
      publicUrl: 'http://localhost:3000',
      unsubscribeSecret: 'attempts-test-secret',
      mailFrom: 'Tests <tests@example.com>',
      log: silentLogger,
    }),
  );
  return new MockActivityEnvironment().run(activities.sendEmail, input);
}

function emailIdOf(result: SendEmailResult): string {
  if (result.status !== 'sent') throw new Error(`expected a sent email, got ${JSON.stringify(result)}`);
  return result.email_id;
}

describe('send_email attempts', () => {
  it('reuse the record of a failed attempt', async () => {
    const mailer = new RecordingMailer();
    const input = await stepInput();
    mailer.failures = 1;

    await expect(attempt(mailer, input)).rejects.toThrow('451');
    const reserved = await emails.listByRun(input.runId);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]!.status).toBe('sending');

    const emailId = emailIdOf(await attempt(mailer, input));
    expect(emailId).toBe(reserved[0]!._id);
    expect(mailer.delivered).toHaveLength(1);
    expect(mailer.delivered[0]!.messageId).toBe(reserved[0]!.message_id);
    expect((await emails.findById(emailId))?.status).toBe('sent');
  });

  it('deliver nothing again after a sent attempt', async () => {
    const mailer = new RecordingMailer();
    const input = await stepInput();

    const first = emailIdOf(await attempt(mailer, input));
    const second = emailIdOf(await attempt(mailer, input));

    expect(second).toBe(first);
    expect(mailer.delivered).toHaveLength(1);
    expect(await emails.listByRun(input.runId)).toHaveLength(1);
  });

  it('find the record without the step start time', async () => {
    const mailer = new RecordingMailer();
    const input = await stepInput();
    mailer.failures = 1;
    await expect(attempt(mailer, input)).rejects.toThrow('451');

    // An activity that older workflow code scheduled carries no stepStartedAt.
    const { stepStartedAt: _ignored, ...withoutStart } = input;
    const emailId = emailIdOf(await attempt(mailer, withoutStart));

    const records = await emails.listByRun(input.runId);
    expect(records.map((record) => record._id)).toEqual([emailId]);
    expect(mailer.delivered).toHaveLength(1);
  });

  it('date the email id by the step start', async () => {
    const mailer = new RecordingMailer();
    const startedAt = Date.UTC(2026, 0, 2, 3, 4, 5);
    const input = await stepInput({ stepStartedAt: startedAt });

    const emailId = emailIdOf(await attempt(mailer, input));

    expect(parseInt(emailId.replace(/-/g, '').slice(0, 12), 16)).toBe(startedAt);
  });
});
