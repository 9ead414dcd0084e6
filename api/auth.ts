import type { Context, MiddlewareHandler } from 'hono';
import { permissionOf } from '../repositories/api-keys.js';
import type { AppEnv } from './context.js';
import { ApiError } from './errors.js';

const BEARER = /^Bearer +([\x21-\x7e]{1,512})$/i;

/** Checks whether the request is the only one a `sending_access` key may make, `POST /events/send`. */
function isSendingRequest(c: Context<AppEnv>): boolean {
  return c.req.method === 'POST' && c.req.path === '/events/send';
}

/**
 * Authenticates with `Authorization: Bearer <key>`. No header is 401
 * `missing_api_key`; a key that matches no stored hash is 403 `invalid_api_key`.
 * A `sending_access` key used for anything but `POST /events/send` is 401
 * `restricted_api_key`, as in Resend's API.
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
  if (permissionOf(apiKey) === 'sending_access' && !isSendingRequest(c)) {
    throw new ApiError(
      401,
      'restricted_api_key',
      'This API key can only send events (POST /events/send). Use a key with full_access for this request.',
    );
  }

  c.set('apiKeyId', apiKey._id);
  await next();
};
