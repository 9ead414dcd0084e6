/**
 * Email templates. Each template has a draft that edits change and, once
 * published, a published copy that sends use. Editing never changes what is
 * sent until the template is published again.
 */
import type { Collection, Db } from 'mongodb';
import { isUuid, uuidv7 } from '../domain/ids.js';
import { findPage } from './cursor.js';
import type { Page, PageRequest } from './cursor.js';
import { isDuplicateKeyError } from './errors.js';

export interface TemplateVariableDoc {
  key: string;
  type: 'string' | 'number';
  fallback_value: string | number | null;
  created_at: Date;
  updated_at: Date;
}

export interface TemplateContentDoc {
  subject: string | null;
  html: string;
  text: string | null;
  from: string | null;
  reply_to: string[] | null;
  variables: TemplateVariableDoc[];
}

export interface TemplateDoc {
  _id: string;
  name: string;
  /** Absent when the template has no alias, so the unique index ignores it. */
  alias?: string;
  draft: TemplateContentDoc;
  /** Id of the draft's version; a new id on every edit. */
  current_version_id: string;
  published: TemplateContentDoc | null;
  /** Id of the version that was published, or null when never published. */
  published_version_id: string | null;
  published_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface TemplateVariableInput {
  key: string;
  type: 'string' | 'number';
  fallback_value?: string | number | null | undefined;
}

export interface TemplateContentInput {
  subject?: string | null | undefined;
  html: string;
  text?: string | null | undefined;
  from?: string | null | undefined;
  reply_to?: string | string[] | null | undefined;
  variables?: TemplateVariableInput[] | undefined;
}

export interface NewTemplate extends TemplateContentInput {
  name: string;
  alias?: string | null | undefined;
}

/** Changes to a template; each field present replaces the draft's value. */
export interface TemplateChanges {
  name?: string | undefined;
  alias?: string | null | undefined;
  subject?: string | null | undefined;
  html?: string | undefined;
  text?: string | null | undefined;
  from?: string | null | undefined;
  reply_to?: string | string[] | null | undefined;
  variables?: TemplateVariableInput[] | undefined;
}

/** Result of looking up a template for sending: missing, never published, or the published content. */
export type PublishedTemplateLookup =
  | { status: 'missing' }
  | { status: 'draft'; id: string; name: string }
  | {
      status: 'published';
      id: string;
      name: string;
      subject: string | null;
      html: string;
      text: string | null;
      from: string | null;
      reply_to: string[] | null;
      variables: Array<{ key: string; type: 'string' | 'number'; fallback_value: string | number | null }>;
    };

export type TemplateWriteResult =
  | { status: 'ok'; template: TemplateDoc }
  | { status: 'not_found' }
  | { status: 'alias_taken' };

function toReplyTo(value: string | string[] | null | undefined): string[] | null {
  if (value === null || value === undefined) return null;
  return Array.isArray(value) ? value : [value];
}

function toVariables(
  variables: TemplateVariableInput[] | undefined,
  previous: TemplateVariableDoc[],
  now: Date,
): TemplateVariableDoc[] {
  return (variables ?? []).map((variable) => {
    const before = previous.find((candidate) => candidate.key === variable.key);
    return {
      key: variable.key,
      type: variable.type,
      fallback_value: variable.fallback_value ?? null,
      created_at: before?.created_at ?? now,
      updated_at: now,
    };
  });
}

export class TemplatesRepository {
  private readonly templates: Collection<TemplateDoc>;

  constructor(db: Db) {
    this.templates = db.collection<TemplateDoc>('templates');
  }

  async ensureIndexes(): Promise<void> {
    // findByIdOrAlias: aliases are unique; templates without an alias leave the field out.
    await this.templates.createIndex({ alias: 1 }, { unique: true, name: 'alias_unique', sparse: true });
  }

  async findById(id: string): Promise<TemplateDoc | null> {
    return this.templates.findOne({ _id: id });
  }

  /** Finds a template by id when `idOrAlias` is a UUID, else by alias. */
  async findByIdOrAlias(idOrAlias: string): Promise<TemplateDoc | null> {
    return isUuid(idOrAlias) ? this.templates.findOne({ _id: idOrAlias }) : this.templates.findOne({ alias: idOrAlias });
  }

  /** Returns the entries of `idsOrAliases` (template ids or aliases) that name no template. */
  async findMissing(idsOrAliases: string[]): Promise<string[]> {
    if (idsOrAliases.length === 0) return [];
    const ids = idsOrAliases.filter((value) => isUuid(value));
    const aliases = idsOrAliases.filter((value) => !isUuid(value));
    const found = await this.templates
      .find({ $or: [{ _id: { $in: ids } }, { alias: { $in: aliases } }] }, { projection: { _id: 1, alias: 1 } })
      .toArray();
    const existing = new Set(found.flatMap((template) => [template._id, template.alias ?? []].flat()));
    return idsOrAliases.filter((value) => !existing.has(value));
  }

  async list(page: PageRequest): Promise<Page<TemplateDoc>> {
    return findPage(this.templates, {}, page);
  }

  async create(input: NewTemplate): Promise<TemplateWriteResult> {
    const now = new Date();
    const template: TemplateDoc = {
      _id: uuidv7(),
      name: input.name,
      draft: {
        subject: input.subject ?? null,
        html: input.html,
        text: input.text ?? null,
        from: input.from ?? null,
        reply_to: toReplyTo(input.reply_to),
        variables: toVariables(input.variables, [], now),
      },
      current_version_id: uuidv7(),
      published: null,
      published_version_id: null,
      published_at: null,
      created_at: now,
      updated_at: now,
    };
    if (input.alias !== undefined && input.alias !== null) template.alias = input.alias;
    return this.insert(template);
  }

  /** Copies a template's draft into a new unpublished template named "<name> (copy)", without the alias. */
  async duplicate(id: string): Promise<TemplateWriteResult> {
    const source = await this.findById(id);
    if (!source) return { status: 'not_found' };

    const now = new Date();
    return this.insert({
      _id: uuidv7(),
      name: `${source.name} (copy)`,
      draft: {
        ...source.draft,
        variables: source.draft.variables.map((variable) => ({ ...variable, created_at: now, updated_at: now })),
      },
      current_version_id: uuidv7(),
      published: null,
      published_version_id: null,
      published_at: null,
      created_at: now,
      updated_at: now,
    });
  }

  /** Edits the draft. The published copy, if any, stays as it was until `publish`. */
  async update(id: string, changes: TemplateChanges): Promise<TemplateWriteResult> {
    const current = await this.findById(id);
    if (!current) return { status: 'not_found' };

    const now = new Date();
    const set: Record<string, unknown> = { updated_at: now, current_version_id: uuidv7() };
    const unset: Record<string, ''> = {};
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.alias === null) unset.alias = '';
    else if (changes.alias !== undefined) set.alias = changes.alias;
    if (changes.subject !== undefined) set['draft.subject'] = changes.subject;
    if (changes.html !== undefined) set['draft.html'] = changes.html;
    if (changes.text !== undefined) set['draft.text'] = changes.text;
    if (changes.from !== undefined) set['draft.from'] = changes.from;
    if (changes.reply_to !== undefined) set['draft.reply_to'] = toReplyTo(changes.reply_to);
    if (changes.variables !== undefined) {
      set['draft.variables'] = toVariables(changes.variables, current.draft.variables, now);
    }

    try {
      const update = Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
      const template = await this.templates.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' });
      return template ? { status: 'ok', template } : { status: 'not_found' };
    } catch (error) {
      if (isDuplicateKeyError(error)) return { status: 'alias_taken' };
      throw error;
    }
  }

  /**
   * Copies the draft to the published version. The filter names the draft
   * version that was read, so an edit landing in between makes this retry
   * instead of publishing a mix of two versions.
   */
  async publish(id: string): Promise<TemplateDoc | null> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await this.findById(id);
      if (!current) return null;

      const now = new Date();
      const template = await this.templates.findOneAndUpdate(
        { _id: id, current_version_id: current.current_version_id },
        {
          $set: {
            published: current.draft,
            published_version_id: current.current_version_id,
            published_at: now,
            updated_at: now,
          },
        },
        { returnDocument: 'after' },
      );
      if (template) return template;
    }
    throw new Error('template kept changing while it was being published');
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.templates.deleteOne({ _id: id });
    return result.deletedCount > 0;
  }

  /** Looks up the published version of a template by id or alias, for sending. */
  async getPublished(idOrAlias: string): Promise<PublishedTemplateLookup> {
    const template = await this.findByIdOrAlias(idOrAlias);
    if (!template) return { status: 'missing' };
    if (!template.published) return { status: 'draft', id: template._id, name: template.name };

    const published = template.published;
    return {
      status: 'published',
      id: template._id,
      name: template.name,
      subject: published.subject,
      html: published.html,
      text: published.text,
      from: published.from,
      reply_to: published.reply_to,
      variables: published.variables.map((variable) => ({
        key: variable.key,
        type: variable.type,
        fallback_value: variable.fallback_value,
      })),
    };
  }

  private async insert(template: TemplateDoc): Promise<TemplateWriteResult> {
    try {
      await this.templates.insertOne(template);
      return { status: 'ok', template };
    } catch (error) {
      if (isDuplicateKeyError(error)) return { status: 'alias_taken' };
      throw error;
    }
  }
}
