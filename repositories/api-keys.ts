/**
 * API keys, stored only as SHA-256 hashes. A key is shown once, when it is
 * created, and cannot be recovered from the database. A request's key is
 * hashed, looked up by its hash, and the hashes are compared again with
 * `crypto.timingSafeEqual`, so no comparison in this process depends on how
 * many leading characters of a guess are right.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { uuidv7 } from '../domain/ids.js';

/** Permissions a key can have, named as in Resend's API: every endpoint, or only `POST /events/send`. */
export const API_KEY_PERMISSIONS = ['full_access', 'sending_access'] as const;
export type ApiKeyPermission = (typeof API_KEY_PERMISSIONS)[number];

export interface ApiKeyDoc {
  _id: string;
  name: string;
  /** Hex SHA-256 of the key. */
  key_hash: string;
  /** Absent on keys stored before permissions existed, which have full access. */
  permission?: ApiKeyPermission;
  created_at: Date;
}

/** Returns the key's permission; keys stored before permissions existed have full access. */
export function permissionOf(key: ApiKeyDoc): ApiKeyPermission {
  return key.permission ?? 'full_access';
}

/** Hex SHA-256 of an API key. Keys are high-entropy random strings, so no salt or slow hash is needed. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Generates a new key: `re_` followed by 32 random bytes in base64url (43 characters). */
export function generateApiKey(): string {
  return `re_${randomBytes(32).toString('base64url')}`;
}

export class ApiKeysRepository {
  private readonly keys: Collection<ApiKeyDoc>;

  constructor(db: Db) {
    this.keys = db.collection<ApiKeyDoc>('api_keys');
  }

  async ensureIndexes(): Promise<void> {
    // findByKey: one key per hash, looked up on every request.
    await this.keys.createIndex({ key_hash: 1 }, { unique: true, name: 'key_hash_unique' });
  }

  /** Creates a key and returns it in plain text; only its hash is stored. */
  async create(name: string, permission: ApiKeyPermission = 'full_access'): Promise<{ id: string; key: string }> {
    const key = generateApiKey();
    const id = await this.insertHashed(name, hashApiKey(key), permission);
    return { id, key };
  }

  /** Stores a key known only by its hash, such as `BOOTSTRAP_API_KEY`. Returns the new key's id. */
  async insertHashed(name: string, keyHash: string, permission: ApiKeyPermission = 'full_access'): Promise<string> {
    const id = uuidv7();
    await this.keys.insertOne({ _id: id, name, key_hash: keyHash, permission, created_at: new Date() });
    return id;
  }

  /** Finds the key record whose hash matches `key`, or null. */
  async findByKey(key: string): Promise<ApiKeyDoc | null> {
    const keyHash = hashApiKey(key);
    const found = await this.keys.findOne({ key_hash: keyHash });
    if (!found) return null;

    // The lookup already matched the hash; the constant-time check keeps any
    // comparison made in this process free of timing differences.
    const expected = Buffer.from(keyHash, 'hex');
    const actual = Buffer.from(found.key_hash, 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? found : null;
  }

  async count(): Promise<number> {
    return this.keys.countDocuments({});
  }
}
