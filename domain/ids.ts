import { randomBytes, createHash } from 'node:crypto';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let lastMillis = 0;
let counter = 0;

function format(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function stamp(bytes: Buffer, millis: number): void {
  bytes.writeUIntBE(millis, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
}

/**
 * Creates a time-ordered UUID v7. Within one millisecond a 12-bit counter in
 * `rand_a` keeps ids from this process in creation order, so sorting ids as
 * strings sorts them by creation time.
 */
export function uuidv7(now: number = Date.now()): string {
  if (now <= lastMillis) {
    counter += 1;
    if (counter > 0xfff) {
      lastMillis += 1;
      counter = 0;
    }
  } else {
    lastMillis = now;
    counter = 0;
  }
  const bytes = randomBytes(16);
  stamp(bytes, lastMillis);
  bytes[6] = 0x70 | ((counter >> 8) & 0x0f);
  bytes[7] = counter & 0xff;
  return format(bytes);
}

/**
 * Derives a UUID v7 from a seed, with the timestamp of `millis`. The same seed
 * and time always give the same id, so a retried event send starts the same
 * runs instead of new ones.
 */
export function deterministicUuidv7(seed: string, millis: number): string {
  const bytes = createHash('sha256').update(seed).digest().subarray(0, 16);
  stamp(bytes, millis);
  return format(bytes);
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** Returns the creation time encoded in a UUID v7, in epoch milliseconds. */
export function uuidv7Millis(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
