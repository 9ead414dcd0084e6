/**
 * The API's one error type and the handlers that render every failure as
 * `{ name, statusCode, message }`. Handlers throw `ApiError`. Any other error
 * is logged and gets a generic 500 response, so no stack trace or driver
 * message reaches a client.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../config/logger.js';
import { isDatabaseUnavailableError } from '../repositories/errors.js';

/** Error names of Resend's API that this server uses. */
export type ErrorName =
  | 'validation_error'
  | 'missing_required_field'
  | 'invalid_parameter'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'restricted_api_key'
  | 'not_found'
  | 'method_not_allowed'
  | 'invalid_idempotency_key'
  | 'invalid_idempotent_request'
  | 'rate_limit_exceeded'
  | 'application_error'
  | 'internal_server_error';

export interface ErrorBody {
  name: ErrorName;
  statusCode: number;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: ContentfulStatusCode,
    readonly code: ErrorName,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { name: this.code, statusCode: this.statusCode, message: this.message };
  }

  static validation(message: string): ApiError {
    return new ApiError(422, 'validation_error', message);
  }

  static missingField(message: string): ApiError {
    return new ApiError(422, 'missing_required_field', message);
  }

  static invalidParameter(message: string): ApiError {
    return new ApiError(422, 'invalid_parameter', message);
  }

  static notFound(message: string): ApiError {
    return new ApiError(404, 'not_found', message);
  }

  /** The workflow engine could not be reached; the request did not complete and may be retried. */
  static engineUnavailable(message: string): ApiError {
    return new ApiError(503, 'application_error', message);
  }
}

export const MAX_BODY_BYTES = 1024 * 1024;

const INTERNAL_ERROR_MESSAGE = 'The server failed to process the request. Try again later.';
const DATABASE_UNAVAILABLE_MESSAGE =
  'The database is unavailable or busy, so the request may not have completed. Retry it; POST /events/send with the same Idempotency-Key starts no run twice.';

/** Creates the app's `onError` handler, which renders every thrown error in the public shape. */
export function createErrorHandler(log: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof ApiError) {
      return c.json(error.toBody(), error.statusCode, error.headers);
    }

    // Hono's own exceptions; the body limit middleware is configured to throw ApiError instead.
    if (error instanceof HTTPException && error.status < 500) {
      const body: ErrorBody = { name: 'validation_error', statusCode: error.status, message: error.message || 'The request is invalid.' };
      return c.json(body, error.status);
    }

    if (isDatabaseUnavailableError(error)) {
      log.warn({ err: error, method: c.req.method, path: c.req.path }, 'request failed because the database is unavailable or busy');
      const body: ErrorBody = { name: 'application_error', statusCode: 503, message: DATABASE_UNAVAILABLE_MESSAGE };
      return c.json(body, 503, { 'Retry-After': '1' });
    }

    log.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed with an unexpected error');
    const body: ErrorBody = { name: 'internal_server_error', statusCode: 500, message: INTERNAL_ERROR_MESSAGE };
    return c.json(body, 500);
  };
}

export function notFoundHandler(c: Context): Response {
  const body: ErrorBody = {
    name: 'not_found',
    statusCode: 404,
    message: `No route matches ${c.req.method} ${c.req.path}.`,
  };
  return c.json(body, 404);
}

export function methodNotAllowedResponse(c: Context, allowedMethods: string[]): Response {
  const allow = allowedMethods.join(', ');
  const body: ErrorBody = {
    name: 'method_not_allowed',
    statusCode: 405,
    message: `Method ${c.req.method} is not allowed on ${c.req.path}; use one of ${allow}.`,
  };
  return c.json(body, 405, { Allow: allow });
}

export function bodyTooLarge(): never {
  throw new ApiError(
    413,
    'validation_error',
    `The request body is larger than the limit of ${MAX_BODY_BYTES} bytes (1 MiB).`,
  );
}
