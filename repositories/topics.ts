/**
 * Topics and each contact's choice per topic. A contact without a choice for
 * a topic gets the topic's `default_subscription`. A choice is its own
 * document, so setting it is one upsert on a unique (contact, topic) pair.
 */
import type { Collection, Db } from 'mongodb';
import { uuidv7 } from '../domain/ids.js';
import { findPage } from './cursor.js';
import type { Page, PageRequest } from './cursor.js';
import { isDuplicateKeyError } from './errors.js';

export type Subscription = 'opt_in' | 'opt_out';

export interface TopicDoc {
  _id: string;
  name: string;
  description: string | null;
  default_subscription: Subscription;
  created_at: Date;
  updated_at: Date;
}

export interface TopicSubscriptionDoc {
  _id: string;
  contact_id: string;
  topic_id: string;
  subscription: Subscription;
  created_at: Date;
  updated_at: Date;
}

/** A topic with the subscription that applies to one contact. */
export interface ContactTopic {
  topic: TopicDoc;
  subscription: Subscription;
}

export class TopicsRepository {
  private readonly topics: Collection<TopicDoc>;
  private readonly subscriptions: Collection<TopicSubscriptionDoc>;

  constructor(db: Db) {
    this.topics = db.collection<TopicDoc>('topics');
    this.subscriptions = db.collection<TopicSubscriptionDoc>('topic_subscriptions');
  }

  async ensureIndexes(): Promise<void> {
    // setSubscriptions, findSubscription, listContactTopicsPage, removeAllSubscriptionsOfContact: one choice per contact and topic.
    await this.subscriptions.createIndex({ contact_id: 1, topic_id: 1 }, { unique: true, name: 'contact_topic_unique' });
    // delete: the choices of one topic.
    await this.subscriptions.createIndex({ topic_id: 1 }, { name: 'topic_id' });
  }

  async create(input: { name: string; description: string | null; default_subscription: Subscription }): Promise<TopicDoc> {
    const now = new Date();
    const topic: TopicDoc = { _id: uuidv7(), ...input, created_at: now, updated_at: now };
    await this.topics.insertOne(topic);
    return topic;
  }

  findById(id: string): Promise<TopicDoc | null> {
    return this.topics.findOne({ _id: id });
  }

  /** Returns the ids among `ids` that name no topic. */
  async findMissingIds(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const found = await this.topics.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
    const existing = new Set(found.map((topic) => topic._id));
    return ids.filter((id) => !existing.has(id));
  }

  list(page: PageRequest): Promise<Page<TopicDoc>> {
    return findPage(this.topics, {}, page);
  }

  /** Returns whether any topic exists. */
  async any(): Promise<boolean> {
    return (await this.topics.countDocuments({}, { limit: 1 })) > 0;
  }

  /** Changes the name or description; returns the updated topic, or null when it does not exist. */
  update(id: string, changes: { name?: string | undefined; description?: string | null | undefined }): Promise<TopicDoc | null> {
    const set: Partial<TopicDoc> = { updated_at: new Date() };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.description !== undefined) set.description = changes.description;
    return this.topics.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' });
  }

  /** Deletes the topic and then the contacts' choices for it; returns false when it did not exist. */
  async delete(id: string): Promise<boolean> {
    const result = await this.topics.deleteOne({ _id: id });
    if (result.deletedCount === 0) return false;
    await this.subscriptions.deleteMany({ topic_id: id });
    return true;
  }

  /** Records a contact's choice for each topic, replacing earlier choices. */
  async setSubscriptions(contactId: string, choices: Array<{ topicId: string; subscription: Subscription }>): Promise<void> {
    for (const { topicId, subscription } of choices) {
      const now = new Date();
      try {
        await this.subscriptions.updateOne(
          { contact_id: contactId, topic_id: topicId },
          { $set: { subscription, updated_at: now }, $setOnInsert: { _id: uuidv7(), created_at: now } },
          { upsert: true },
        );
      } catch (error) {
        // A concurrent first choice for the same pair won the insert; this choice overwrites it.
        if (!isDuplicateKeyError(error)) throw error;
        await this.subscriptions.updateOne({ contact_id: contactId, topic_id: topicId }, { $set: { subscription, updated_at: now } });
      }
    }
  }

  /**
   * Returns the subscription that applies to the contact for the topic: its
   * own choice, else the topic's default. Null when the topic does not exist.
   */
  async findSubscription(contactId: string, topicId: string): Promise<Subscription | null> {
    const topic = await this.findById(topicId);
    if (!topic) return null;
    const choice = await this.subscriptions.findOne({ contact_id: contactId, topic_id: topicId });
    return choice?.subscription ?? topic.default_subscription;
  }

  /** Finds one page of all topics, each with the subscription that applies to the contact. */
  async listContactTopicsPage(contactId: string, page: PageRequest): Promise<Page<ContactTopic>> {
    const topics = await findPage(this.topics, {}, page);
    const ids = topics.items.map((topic) => topic._id);
    const choices = ids.length === 0 ? [] : await this.subscriptions.find({ contact_id: contactId, topic_id: { $in: ids } }).toArray();
    const byTopic = new Map(choices.map((choice) => [choice.topic_id, choice.subscription]));
    return {
      items: topics.items.map((topic) => ({ topic, subscription: byTopic.get(topic._id) ?? topic.default_subscription })),
      hasMore: topics.hasMore,
    };
  }

  async removeAllSubscriptionsOfContact(contactId: string): Promise<void> {
    await this.subscriptions.deleteMany({ contact_id: contactId });
  }
}
