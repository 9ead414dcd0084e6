/**
 * Unsubscribe links of the form `${PUBLIC_URL}/unsubscribe/<token>`, signed
 * with UNSUBSCRIBE_SECRET or, when that is unset, with a secret generated
 * once and shared through MongoDB.
 */
import { randomBytes } from 'node:crypto';
import { signUnsubscribeToken, verifyUnsubscribeToken, type UnsubscribeTarget } from '../domain/unsubscribe-token.js';

export const UNSUBSCRIBE_SECRET_SETTING = 'unsubscribe_secret';

export interface SecretStore {
  getOrCreate(name: string, candidate: string): Promise<string>;
}

export interface UnsubscribeLinks {
  /** Builds the link that unsubscribes the contact, or opts it out of the topic when one is given. */
  url(target: UnsubscribeTarget): Promise<string>;
  /** Returns the target of a token from a link, or null when the token is forged or altered. */
  verify(token: string): Promise<UnsubscribeTarget | null>;
}

/**
 * Creates the links of one process. The secret is read once, on first use;
 * a failed read is not kept, so the next call retries.
 */
export function createUnsubscribeLinks(options: {
  publicUrl: string;
  configuredSecret: string | undefined;
  settings: SecretStore;
}): UnsubscribeLinks {
  let secret: Promise<string> | undefined;
  const loadSecret = (): Promise<string> => {
    if (options.configuredSecret !== undefined) return Promise.resolve(options.configuredSecret);
    secret ??= options.settings
      .getOrCreate(UNSUBSCRIBE_SECRET_SETTING, randomBytes(32).toString('base64url'))
      .catch((error: unknown) => {
        secret = undefined;
        throw error;
      });
    return secret;
  };

  return {
    async url(target) {
      const token = signUnsubscribeToken(await loadSecret(), target);
      return `${options.publicUrl}/unsubscribe/${token}`;
    },
    async verify(token) {
      return verifyUnsubscribeToken(await loadSecret(), token);
    },
  };
}
