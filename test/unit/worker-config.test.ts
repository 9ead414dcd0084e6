import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/config.js';

describe('WORKER_MAX_CACHED_WORKFLOWS', () => {
  it('keeps the default when unset or empty', () => {
    expect(loadConfig({}).workerMaxCachedWorkflows).toBeUndefined();
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '' }).workerMaxCachedWorkflows).toBeUndefined();
  });

  it('reads a whole number', () => {
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '2000' }).workerMaxCachedWorkflows).toBe(2000);
  });

  it('rejects other values naming the variable', () => {
    for (const value of ['0', '-1', '2.5', 'many', '1e3', '100001']) {
      expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: value }), value).toThrow(ConfigError);
      expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: value }), value).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
    }
  });
});
