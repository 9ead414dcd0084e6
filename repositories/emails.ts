/**
 * Emails the engine sent. Each document is keyed by the run step that sends it,
 * so a retried or re-run send finds the record of the first attempt.
 */
import type { Collection, Db } from 'mongodb';
import { findPage } from './cursor.js';
import type { Page, PageRequest } from './cursor.js';
import { isDuplicateKeyError } from './errors.js';

export type EmailStatus = 'sending' | 'sent';

export interface EmailDocument {
  _id: string;
  /** `<runId>:<stepKey>`: one email per run step, whatever the retries. */
  idempotency_key: string;
  run_id: string;
  automation_id: string;
  step_key: string;
  contact_id: string;
  template_id: string;
  /** The send_email step's topic; absent on emails recorded before topics existed. */
  topic_id?: string | null;
  /** Template variables as JSON, because their keys are user input. */
  variables_json: string;
  message_id: string;
  from: string;
  to: string;
  reply_to: string[];
  subject: string;
  html: string;
  text: string | null;
  /** The link in the List-Unsubscribe header; absent on emails recorded before unsubscribe links existed. */
  list_unsubscribe_url?: string;
  status: EmailStatus;
  smtp_response: string | null;
  created_at: number;
  sent_at: number | null;
}

export type NewEmail = Omit<EmailDocument, 'status' | 'smtp_response' | 'sent_at'>;

export class EmailsRepository {
  private readonly collection: Collection<EmailDocument>;

  constructor(db: Db) {
    this.collection = db.collection<EmailDocument>('emails');
  }

  async ensureIndexes(): Promise<void> {
    // reserve() and findByIdempotencyKey(): one email per run step.
    await this.collection.createIndex({ idempotency_key: 1 }, { unique: true, name: 'idempotency_key_unique' });
    // list(): GET /emails pages newest first by _id (UUID v7); the built-in _id index serves it.
    // listByRun(): the emails of one run.
    await this.collection.createIndex({ run_id: 1, _id: -1 }, { name: 'run_id_id' });
  }

  /**
   * Records an email before delivery. Returns the stored document: the new one,
   * or the one an earlier attempt of the same run step left behind.
   */
  async reserve(email: NewEmail): Promise<EmailDocument> {
    const doc: EmailDocument = { ...email, status: 'sending', smtp_response: null, sent_at: null };
    try {
      await this.collection.insertOne(doc);
      return doc;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.findByIdempotencyKey(email.idempotency_key);
      if (!existing) throw err;
      return existing;
    }
  }

  /**
   * Marks a reserved email as delivered. The update filters on `_id` alone,
   * because FerretDB 1.24 on SQLite decodes every stored email for any other
   * filter. An email is either `sending` or `sent`, so no status check is
   * needed: two attempts that both delivered the email both write, and the
   * later one only replaces the SMTP response and the time.
   */
  async markSent(id: string, smtpResponse: string, sentAt: number): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { status: 'sent', smtp_response: smtpResponse, sent_at: sentAt } });
  }

  findByIdempotencyKey(key: string): Promise<EmailDocument | null> {
    return this.collection.findOne({ idempotency_key: key });
  }

  findById(id: string): Promise<EmailDocument | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Finds one page of emails, newest first. */
  list(page: PageRequest): Promise<Page<EmailDocument>> {
    return findPage(this.collection, {}, page);
  }

  listByRun(runId: string): Promise<EmailDocument[]> {
    return this.collection.find({ run_id: runId }).sort({ _id: -1 }).toArray();
  }
}
