/**
 * Automations. The graph is stored as a JSON string, because step configs
 * contain user-chosen keys (template variables, contact properties) that
 * FerretDB rejects as field names when they contain `.` or start with `$`.
 * No query looks inside the graph. The trigger's event name has its own field for lookups.
 */
import type { Collection, Db, Filter } from 'mongodb';
import type { AutomationGraph } from '../domain/graph.js';
import { findTrigger } from '../domain/graph.js';
import { uuidv7 } from '../domain/ids.js';
import { findPage } from './cursor.js';
import type { Page, PageRequest } from './cursor.js';

export type AutomationStatus = 'enabled' | 'disabled';

export interface AutomationDoc {
  _id: string;
  name: string;
  status: AutomationStatus;
  /** `event_name` of the trigger step. */
  trigger_event: string;
  graph_json: string;
  created_at: Date;
  updated_at: Date;
}

/** An automation with its graph parsed, as the repository returns it. */
export interface Automation {
  id: string;
  name: string;
  status: AutomationStatus;
  triggerEvent: string;
  graph: AutomationGraph;
  createdAt: Date;
  updatedAt: Date;
}

export interface AutomationChanges {
  name?: string | undefined;
  status?: AutomationStatus | undefined;
  graph?: AutomationGraph | undefined;
}

export type AutomationUpdateResult =
  | { status: 'ok'; automation: Automation }
  | { status: 'not_found' }
  /** The change touched the graph while the automation was enabled. */
  | { status: 'enabled' };

export const MAX_AUTOMATION_NAME_LENGTH = 200;
const COPY_SUFFIX = ' (copy)';

function fromDoc(doc: AutomationDoc): Automation {
  return {
    id: doc._id,
    name: doc.name,
    status: doc.status,
    triggerEvent: doc.trigger_event,
    graph: JSON.parse(doc.graph_json) as AutomationGraph,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
  };
}

function graphFields(graph: AutomationGraph): Pick<AutomationDoc, 'trigger_event' | 'graph_json'> {
  return { trigger_event: findTrigger(graph).config.event_name, graph_json: JSON.stringify(graph) };
}

export class AutomationsRepository {
  private readonly automations: Collection<AutomationDoc>;

  constructor(db: Db) {
    this.automations = db.collection<AutomationDoc>('automations');
  }

  async ensureIndexes(): Promise<void> {
    // findEnabledByTriggerEvent: enabled automations started by one event name, on every event sent.
    await this.automations.createIndex({ status: 1, trigger_event: 1 }, { name: 'status_trigger_event' });
    // list with a status filter, newest first.
    await this.automations.createIndex({ status: 1, _id: -1 }, { name: 'status_id' });
  }

  async create(input: { name: string; status: AutomationStatus; graph: AutomationGraph }): Promise<Automation> {
    const now = new Date();
    const doc: AutomationDoc = {
      _id: uuidv7(),
      name: input.name,
      status: input.status,
      ...graphFields(input.graph),
      created_at: now,
      updated_at: now,
    };
    await this.automations.insertOne(doc);
    return fromDoc(doc);
  }

  async findById(id: string): Promise<Automation | null> {
    const doc = await this.automations.findOne({ _id: id });
    return doc ? fromDoc(doc) : null;
  }

  async list(options: { status?: AutomationStatus | undefined; page: PageRequest }): Promise<Page<Automation>> {
    const filter: Filter<AutomationDoc> = options.status === undefined ? {} : { status: options.status };
    const page = await findPage(this.automations, filter, options.page);
    return { items: page.items.map(fromDoc), hasMore: page.hasMore };
  }

  /**
   * Applies `changes` in one update. A graph change is guarded by
   * `status: 'disabled'` in the filter, so it cannot land on an automation
   * that was enabled in the meantime.
   */
  async update(id: string, changes: AutomationChanges): Promise<AutomationUpdateResult> {
    const set: Partial<AutomationDoc> = { updated_at: new Date() };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.status !== undefined) set.status = changes.status;
    if (changes.graph !== undefined) Object.assign(set, graphFields(changes.graph));

    const filter: Filter<AutomationDoc> = changes.graph === undefined ? { _id: id } : { _id: id, status: 'disabled' };
    const doc = await this.automations.findOneAndUpdate(filter, { $set: set }, { returnDocument: 'after' });
    if (doc) return { status: 'ok', automation: fromDoc(doc) };

    const exists = await this.automations.countDocuments({ _id: id }, { limit: 1 });
    return exists > 0 ? { status: 'enabled' } : { status: 'not_found' };
  }

  /** Sets the status; returns the updated automation, or null when it does not exist. */
  async setStatus(id: string, status: AutomationStatus): Promise<Automation | null> {
    const doc = await this.automations.findOneAndUpdate(
      { _id: id },
      { $set: { status, updated_at: new Date() } },
      { returnDocument: 'after' },
    );
    return doc ? fromDoc(doc) : null;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.automations.deleteOne({ _id: id });
    return result.deletedCount > 0;
  }

  /** Copies an automation as a new disabled one named "<name> (copy)"; null when the source does not exist. */
  async duplicate(id: string): Promise<Automation | null> {
    const source = await this.automations.findOne({ _id: id });
    if (!source) return null;

    const now = new Date();
    const base = source.name.slice(0, MAX_AUTOMATION_NAME_LENGTH - COPY_SUFFIX.length);
    const copy: AutomationDoc = {
      ...source,
      _id: uuidv7(),
      name: `${base}${COPY_SUFFIX}`,
      status: 'disabled',
      created_at: now,
      updated_at: now,
    };
    await this.automations.insertOne(copy);
    return fromDoc(copy);
  }

  async findEnabledByTriggerEvent(eventName: string): Promise<Automation[]> {
    const docs = await this.automations.find({ status: 'enabled', trigger_event: eventName }).toArray();
    return docs.map(fromDoc);
  }
}
