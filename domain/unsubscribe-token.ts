/**
 * Signed unsubscribe tokens. A token names a contact, and optionally one
 * topic, and carries an HMAC-SHA256 over them with a server secret, so a
 * recipient cannot change it to unsubscribe someone else. Tokens do not
 * expire, because a link in an old email must keep working.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUuid } from './ids.js';

export interface UnsubscribeTarget {
  contactId: string;
  /** Set when following the link opts out of this topic only. */
  topicId: string | null;
}

/** Separates these signatures from any other use of the same secret. */
const SIGNATURE_CONTEXT = 'unsubscribe-v1:';
/** A valid token is about 130 characters; longer input is rejected before any work. */
const MAX_TOKEN_LENGTH = 256;

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(SIGNATURE_CONTEXT + payload, 'utf8').digest();
}

function payloadOf(target: UnsubscribeTarget): string {
  return target.topicId === null ? target.contactId : `${target.contactId}:${target.topicId}`;
}

/** Creates the URL-safe token `<payload>.<signature>`, both base64url. */
export function signUnsubscribeToken(secret: string, target: UnsubscribeTarget): string {
  const payload = payloadOf(target);
  return `${Buffer.from(payload, 'utf8').toString('base64url')}.${sign(secret, payload).toString('base64url')}`;
}

/** Returns the target of a token signed with `secret`, or null for any token that was not. */
export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeTarget | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [encodedPayload, encodedSignature] = parts as [string, string];

  const payload = Buffer.from(encodedPayload, 'base64url').toString('utf8');
  const expected = sign(secret, payload);
  const actual = Buffer.from(encodedSignature, 'base64url');
  // Base64url decoding ignores stray characters, so the encoding is compared too.
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  if (expected.toString('base64url') !== encodedSignature) return null;
  if (Buffer.from(payload, 'utf8').toString('base64url') !== encodedPayload) return null;

  const [contactId, topicId, ...rest] = payload.split(':');
  if (contactId === undefined || !isUuid(contactId) || rest.length > 0) return null;
  if (topicId !== undefined && !isUuid(topicId)) return null;
  return { contactId, topicId: topicId ?? null };
}
