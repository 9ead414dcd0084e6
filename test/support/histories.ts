/**
 * The file format of recorded workflow histories under `test/histories/`:
 * the protobuf `History` message as a plain object, with 64-bit integers and
 * enums as strings and bytes (payloads) in base64, so it converts back exactly.
 *
 * TODO(#4): use the proto3 JSON of `temporal workflow show --output json`.
 * The SDK's `historyToJSON` and `historyFromJSON` (`@temporalio/common` 1.24.0)
 * throw "type must be a Type" in this install, because npm nests a separate
 * copy of protobufjs 8 under each `@temporalio/*` package (the root contains
 * protobufjs 7 for `@grpc/proto-loader`). History files from the CLI or the
 * Web UI therefore cannot be replayed here until the copies are deduplicated
 * (untested: a root dependency on protobufjs 8 should make npm hoist one copy).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';

const HistoryMessage = proto.temporal.api.history.v1.History;

/** Folder of the recorded histories, one subfolder per set. */
export const HISTORIES_DIR = fileURLToPath(new URL('../histories/', import.meta.url));

/** Formats a history as indented JSON text, ending with a newline. */
export function encodeHistory(history: History): string {
  const message = HistoryMessage.fromObject(history);
  const plain = HistoryMessage.toObject(message, { longs: String, enums: String, bytes: String });
  return `${JSON.stringify(plain, null, 2)}\n`;
}

/** Parses JSON text written by `encodeHistory` back into a history. */
export function decodeHistory(text: string): History {
  const plain: unknown = JSON.parse(text);
  if (typeof plain !== 'object' || plain === null || !Array.isArray((plain as { events?: unknown }).events)) {
    throw new TypeError('a recorded history must be a JSON object with an `events` array');
  }
  return HistoryMessage.fromObject(plain as Record<string, unknown>);
}

/** Returns the paths of every recorded history relative to HISTORIES_DIR (`set/name.json`), sorted. */
export function listHistoryFiles(): string[] {
  const sets = readdirSync(HISTORIES_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  const files = sets.flatMap((set) =>
    readdirSync(path.join(HISTORIES_DIR, set.name))
      .filter((name) => name.endsWith('.json'))
      .map((name) => `${set.name}/${name}`),
  );
  return files.sort();
}
