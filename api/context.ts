/**
 * Types of the Hono context variables: the services, set once per app, and
 * the id of the API key that authenticated the request.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../config/logger.js';
import type { RunsEngine } from '../engine/types.js';
import type { Repositories } from '../repositories/db.js';

export interface Services {
  repos: Repositories;
  engine: RunsEngine;
  log: Logger;
  config: Config;
}

export interface AppEnv {
  Variables: {
    services: Services;
    apiKeyId: string;
  };
}
