/**
 * MongoDB connection and the set of repositories built on it. Each collection
 * is queried only through its repository.
 */
import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import type { Config } from '../config/config.js';
import { ApiKeysRepository } from './api-keys.js';
import { AutomationsRepository } from './automations.js';
import { ContactPropertiesRepository } from './contact-properties.js';
import { ContactsRepository } from './contacts.js';
import { EmailsRepository } from './emails.js';
import { EventDefinitionsRepository } from './event-definitions.js';
import { IdempotencyRepository } from './idempotency.js';
import { RunsRepository } from './runs.js';
import { SegmentsRepository } from './segments.js';
import { SettingsRepository } from './settings.js';
import { TemplatesRepository } from './templates.js';
import { TopicsRepository } from './topics.js';

export interface Repositories {
  apiKeys: ApiKeysRepository;
  contacts: ContactsRepository;
  segments: SegmentsRepository;
  templates: TemplatesRepository;
  automations: AutomationsRepository;
  runs: RunsRepository;
  idempotency: IdempotencyRepository;
  emails: EmailsRepository;
  eventDefinitions: EventDefinitionsRepository;
  contactProperties: ContactPropertiesRepository;
  topics: TopicsRepository;
  settings: SettingsRepository;
}

export interface MongoConnection {
  client: MongoClient;
  db: Db;
}

/** Connects to `config.mongodbUri` and returns the client and the product's database. */
export async function connectMongo(
  config: Pick<Config, 'mongodbUri' | 'mongodbDatabase'>,
): Promise<MongoConnection> {
  const client = new MongoClient(config.mongodbUri, {
    appName: 'automations',
    serverSelectionTimeoutMS: 10_000,
  });
  await client.connect();
  return { client, db: client.db(config.mongodbDatabase) };
}

export function createRepositories(db: Db): Repositories {
  return {
    apiKeys: new ApiKeysRepository(db),
    contacts: new ContactsRepository(db),
    segments: new SegmentsRepository(db),
    templates: new TemplatesRepository(db),
    automations: new AutomationsRepository(db),
    runs: new RunsRepository(db),
    idempotency: new IdempotencyRepository(db),
    emails: new EmailsRepository(db),
    eventDefinitions: new EventDefinitionsRepository(db),
    contactProperties: new ContactPropertiesRepository(db),
    topics: new TopicsRepository(db),
    settings: new SettingsRepository(db),
  };
}

/**
 * Creates every repository's indexes. A failure rejects, so start-up stops
 * instead of serving queries that would scan whole collections or let
 * duplicates in.
 */
export async function ensureAllIndexes(repos: Repositories): Promise<void> {
  for (const repository of Object.values(repos) as Array<{ ensureIndexes(): Promise<void> }>) {
    await repository.ensureIndexes();
  }
}
