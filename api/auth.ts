import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { ApiError } from './errors.js';

const BEARER = /^Bearer +([\x21-\x7e]{1,512})$/i;

/**
 * Authenticates with `Authorization: Bearer <key>`. No header is 401
 * `missing_api_key`; a key that matches no stored hash is 403 `invalid_api_key`.
 */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization');
  if (header === undefined || header.trim() === '') {
    throw new ApiError(401, 'missing_api_key', 'Missing API key: send it in the header "Authorization: Bearer <key>".');
  }

  const match = BEARER.exec(header.trim());
  if (!match) {
    throw new ApiError(401, 'missing_api_key', 'The Authorization header must have the form "Bearer <key>".');
  }

  const apiKey = await c.var.services.repos.apiKeys.findByKey(match[1]!);
  if (!apiKey) throw new ApiError(403, 'invalid_api_key', 'The API key is invalid.');

  c.set('apiKeyId', apiKey._id);
  await next();
};
