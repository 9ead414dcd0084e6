import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/config.js';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../domain/unsubscribe-token.js';
import { createUnsubscribeLinks } from '../../mail/unsubscribe-links.js';

const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
const CONTACT = '0190a5f6-6b1c-7d2e-8f3a-00000000c001';
const OTHER_CONTACT = '0190a5f6-6b1c-7d2e-8f3a-00000000c002';
const TOPIC = '0190a5f6-6b1c-7d2e-8f3a-00000000e001';

/** Replaces the character at `index` with another base64url character. */
function flip(token: string, index: number): string {
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

describe('unsubscribe tokens', () => {
  it('round-trips a contact and a topic', () => {
    const contactOnly = signUnsubscribeToken(SECRET, { contactId: CONTACT, topicId: null });
    expect(contactOnly).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyUnsubscribeToken(SECRET, contactOnly)).toEqual({ contactId: CONTACT, topicId: null });

    const withTopic = signUnsubscribeToken(SECRET, { contactId: CONTACT, topicId: TOPIC });
    expect(verifyUnsubscribeToken(SECRET, withTopic)).toEqual({ contactId: CONTACT, topicId: TOPIC });
  });

  it('rejects every changed character', () => {
    const token = signUnsubscribeToken(SECRET, { contactId: CONTACT, topicId: TOPIC });
    for (let index = 0; index < token.length; index += 1) {
      if (token[index] === '.') continue;
      expect(verifyUnsubscribeToken(SECRET, flip(token, index)), `character ${index}`).toBeNull();
    }
  });

  it('rejects a payload swapped from another token', () => {
    const mine = signUnsubscribeToken(SECRET, { contactId: CONTACT, topicId: null });
    const theirs = signUnsubscribeToken(SECRET, { contactId: OTHER_CONTACT, topicId: null });
    const forged = `${theirs.split('.')[0]}.${mine.split('.')[1]}`;
    expect(verifyUnsubscribeToken(SECRET, forged)).toBeNull();
  });

  it('rejects another secret and malformed input', () => {
    const token = signUnsubscribeToken(SECRET, { contactId: CONTACT, topicId: null });
    expect(verifyUnsubscribeToken('another-secret-0123456789-abcdefghijk', token)).toBeNull();
    for (const input of ['', '.', 'abc', `${token}.x`, `${token}x`, 'x'.repeat(300), `${token.split('.')[0]}.`]) {
      expect(verifyUnsubscribeToken(SECRET, input), input).toBeNull();
    }
  });
});

describe('unsubscribe links', () => {
  it('uses the configured secret without reading the store', async () => {
    const settings = {
      getOrCreate: () => Promise.reject(new Error('the store must not be read')),
    };
    const links = createUnsubscribeLinks({ publicUrl: 'https://mail.example.com', configuredSecret: SECRET, settings });
    const url = await links.url({ contactId: CONTACT, topicId: null });
    expect(url).toBe(`https://mail.example.com/unsubscribe/${signUnsubscribeToken(SECRET, { contactId: CONTACT, topicId: null })}`);
    expect(await links.verify(url.split('/').pop()!)).toEqual({ contactId: CONTACT, topicId: null });
  });

  it('stores one generated secret and retries a failed read', async () => {
    const stored = new Map<string, string>();
    let failNext = true;
    const settings = {
      async getOrCreate(name: string, candidate: string) {
        if (failNext) {
          failNext = false;
          throw new Error('database unavailable');
        }
        if (!stored.has(name)) stored.set(name, candidate);
        return stored.get(name)!;
      },
    };
    const first = createUnsubscribeLinks({ publicUrl: 'http://localhost:3000', configuredSecret: undefined, settings });
    await expect(first.url({ contactId: CONTACT, topicId: null })).rejects.toThrow('database unavailable');

    const url = await first.url({ contactId: CONTACT, topicId: null });
    const second = createUnsubscribeLinks({ publicUrl: 'http://localhost:3000', configuredSecret: undefined, settings });
    expect(await second.url({ contactId: CONTACT, topicId: null })).toBe(url);
    expect(stored.get('unsubscribe_secret')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('UNSUBSCRIBE_SECRET', () => {
  it('is optional and checked when set', () => {
    expect(loadConfig({}).unsubscribeSecret).toBeUndefined();
    expect(loadConfig({ UNSUBSCRIBE_SECRET: SECRET }).unsubscribeSecret).toBe(SECRET);
    expect(() => loadConfig({ UNSUBSCRIBE_SECRET: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ UNSUBSCRIBE_SECRET: 'short' })).toThrow('UNSUBSCRIBE_SECRET');
  });
});
