/** Entry point of the workflow bundle: every workflow type the worker hosts. */
export { automationRun } from './automation-run.js';
