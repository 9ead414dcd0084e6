/**
 * Event definitions: a name, unique, and an optional schema for the payload.
 * The schema is stored as a list of `{ field, type }` because field names are
 * user input and must not become document keys.
 */
import type { Collection, Db } from 'mongodb';
import type { EventSchemaField } from '../domain/event-schema.js';
import { isUuid, uuidv7 } from '../domain/ids.js';
import { findPage } from './cursor.js';
import type { Page, PageRequest } from './cursor.js';
import { isDuplicateKeyError } from './errors.js';

export interface EventDefinitionDoc {
  _id: string;
  name: string;
  /** Null when the definition has no schema, so any payload passes. */
  schema: EventSchemaField[] | null;
  created_at: Date;
  /** Null until the first PATCH. */
  updated_at: Date | null;
}

export class EventDefinitionsRepository {
  private readonly definitions: Collection<EventDefinitionDoc>;

  constructor(db: Db) {
    this.definitions = db.collection<EventDefinitionDoc>('event_definitions');
  }

  async ensureIndexes(): Promise<void> {
    // findByName, findByIdOrName: one definition per event name, read on every POST /events/send.
    await this.definitions.createIndex({ name: 1 }, { unique: true, name: 'name_unique' });
  }

  /** Inserts a definition; returns null when one with that name already exists. */
  async create(input: { name: string; schema: EventSchemaField[] | null }): Promise<EventDefinitionDoc | null> {
    const doc: EventDefinitionDoc = {
      _id: uuidv7(),
      name: input.name,
      schema: input.schema,
      created_at: new Date(),
      updated_at: null,
    };
    try {
      await this.definitions.insertOne(doc);
      return doc;
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  findByName(name: string): Promise<EventDefinitionDoc | null> {
    return this.definitions.findOne({ name });
  }

  /** Finds a definition by id when `idOrName` is a UUID, else by name. */
  findByIdOrName(idOrName: string): Promise<EventDefinitionDoc | null> {
    return isUuid(idOrName) ? this.definitions.findOne({ _id: idOrName }) : this.findByName(idOrName);
  }

  list(page: PageRequest): Promise<Page<EventDefinitionDoc>> {
    return findPage(this.definitions, {}, page);
  }

  /** Replaces the schema; returns the updated definition, or null when it does not exist. */
  setSchema(id: string, schema: EventSchemaField[] | null): Promise<EventDefinitionDoc | null> {
    return this.definitions.findOneAndUpdate(
      { _id: id },
      { $set: { schema, updated_at: new Date() } },
      { returnDocument: 'after' },
    );
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.definitions.deleteOne({ _id: id });
    return result.deletedCount > 0;
  }
}
