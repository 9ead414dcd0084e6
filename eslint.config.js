import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/**
 * Workflow code runs in Temporal's deterministic sandbox, and the bundler
 * rejects Node built-ins and the SDK's client, worker and activity packages.
 * Database, HTTP and mail code belongs in activities. Activities, repositories
 * and the API may be imported for their types only, e.g. to type
 * proxyActivities.
 */
const workflowImportRestrictions = {
  paths: [
    ...builtinModules.map((name) => ({ name, message: 'Workflow code cannot use Node built-ins; do this in an activity.' })),
    { name: 'mongodb', message: 'Workflow code cannot reach the database; do this in an activity.' },
    { name: 'hono', message: 'Workflow code cannot serve HTTP.' },
    { name: 'nodemailer', message: 'Workflow code cannot send mail; do this in an activity.' },
    { name: '@temporalio/client', message: 'Workflow code uses @temporalio/workflow, not the client.' },
    { name: '@temporalio/worker', message: 'Workflow code uses @temporalio/workflow, not the worker.' },
    { name: '@temporalio/activity', message: 'Workflow code uses @temporalio/workflow; import activity types with "import type".' },
  ],
  patterns: [
    { regex: '^node:', message: 'Workflow code cannot use Node built-ins; do this in an activity.' },
    { regex: '^(mongodb|hono|nodemailer)/', message: 'Workflow code cannot use database, HTTP or mail packages.' },
    { regex: '^@hono/', message: 'Workflow code cannot serve HTTP.' },
    {
      regex: '(^|/)(repositories|api|activities)(/|$)',
      allowTypeImports: true,
      message: 'Workflow code may import activities, repositories and the API for types only ("import type").',
    },
  ],
};

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', workflowImportRestrictions],
    },
  },
);
