/**
 * What test files read from the global setup, and names that keep tests
 * from sharing state.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** gRPC address of the Temporal server shared by the whole run, `host:port`. */
    temporalAddress: string;
    /** Connection string of the MongoDB-compatible server shared by the whole run. */
    mongodbUri: string;
    /** Absolute path of Temporal's time-skipping test server binary. */
    temporalTestServerPath: string;
  }
}

/** gRPC address of the shared Temporal server; use it with a unique task queue. */
export function temporalAddress(): string {
  return inject('temporalAddress');
}

/** Connection string of the shared MongoDB-compatible server; use it with a unique database. */
export function mongodbUri(): string {
  return inject('mongodbUri');
}

/** Path for `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })`. */
export function temporalTestServerPath(): string {
  return inject('temporalTestServerPath');
}

function randomLetters(count: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  return Array.from(randomBytes(count), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** Returns a database name no other test uses, in Latin letters only because FerretDB accepts no other. */
export function uniqueDatabaseName(prefix = 'test'): string {
  if (!/^[A-Za-z]+$/.test(prefix)) throw new Error(`Database name prefix must be Latin letters only, got "${prefix}"`);
  return `${prefix}${randomLetters(12)}`;
}

/** Returns a task queue no other test polls, so workers of different test files never take each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
