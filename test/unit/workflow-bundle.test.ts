import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

const workflowsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../workflows/index.ts');

const quietLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  log: () => {},
};

// The worker bundles workflow code at start-up and throws on a Node built-in
// or a disallowed package anywhere in the import graph. This catches such an
// import in CI instead of at the first worker start.
describe('workflow bundle', () => {
  it('bundles the workflows for the Temporal sandbox', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });

    expect(bundle.code.length).toBeGreaterThan(0);
    expect(bundle.code).toContain('@temporalio/workflow');
  });
});
