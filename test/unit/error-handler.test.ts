/**
 * How the API's error handler renders errors that are not ApiErrors: database
 * outages are retryable 503s, anything else a 500 without driver details.
 */
import { Hono } from 'hono';
import { MongoClient, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../config/logger.js';
import { createErrorHandler } from '../../api/errors.js';
import { findFreePort } from '../../scripts/services/process.js';

function appThrowing(error: unknown): Hono {
  const app = new Hono();
  app.onError(createErrorHandler(silentLogger));
  app.get('/', () => {
    throw error;
  });
  return app;
}

/** Returns the error the driver raises when no server listens at the address. */
async function serverSelectionError(): Promise<unknown> {
  const port = await findFreePort();
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 200 });
  try {
    await client.db('admin').command({ ping: 1 });
  } catch (error) {
    return error;
  } finally {
    await client.close();
  }
  throw new Error(`a MongoDB server answered on port ${port}`);
}

describe('error handler', () => {
  it('answers a locked FerretDB with 503', async () => {
    const busy = new MongoServerError({ message: 'sqlite: step: database is locked (5) (SQLITE_BUSY)', code: 1 });

    const response = await appThrowing(busy).request('/');

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    const body = (await response.json()) as { name: string; statusCode: number; message: string };
    expect(body.name).toBe('application_error');
    expect(body.statusCode).toBe(503);
    expect(body.message).not.toContain('SQLITE');
  });

  it('answers an unreachable database with 503', async () => {
    const response = await appThrowing(await serverSelectionError()).request('/');

    expect(response.status).toBe(503);
    expect(((await response.json()) as { name: string }).name).toBe('application_error');
  });

  it('answers other server errors with 500', async () => {
    const response = await appThrowing(new MongoServerError({ message: 'unknown operator: $where', code: 2 })).request('/');

    expect(response.status).toBe(500);
    const body = (await response.json()) as { name: string; message: string };
    expect(body.name).toBe('internal_server_error');
    expect(body.message).not.toContain('$where');
  });
});
