/**
 * Replays recorded histories of real runs against the current workflow code.
 * A change that makes a run in flight issue other commands than its history
 * recorded fails here with a determinism error. Gate such a change with
 * `patched()` (see workflows/versions.ts), then record a new set with
 * `npm run record-histories -- --set NAME`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { PATCH } from '../../workflows/versions.js';
import { decodeHistory, HISTORIES_DIR, listHistoryFiles } from '../support/histories.js';
import { sharedWorkflowBundle } from '../support/stack.js';

const files = listHistoryFiles();

describe('recorded workflow histories', () => {
  it('include runs recorded before the first patch', () => {
    expect(files.filter((file) => file.startsWith('no-patches/')).length).toBeGreaterThanOrEqual(10);
  });

  it('include a set recorded after each patch', () => {
    const sets = new Set(files.map((file) => file.split('/')[0]));
    for (const id of Object.values(PATCH)) expect(sets, `record one with: npm run record-histories -- --set ${id}`).toContain(id);
  });

  it.each(files)('replay %s without a determinism error', async (file) => {
    const history = decodeHistory(await readFile(path.join(HISTORIES_DIR, file), 'utf8'));
    const workflowBundle = await sharedWorkflowBundle();
    await Worker.runReplayHistory({ workflowBundle }, history, `replay-${file}`);
  });
});
