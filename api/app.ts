/**
 * The HTTP API as a Hono app. Services arrive through `createApp` and reach
 * handlers as context variables, so no module keeps a database or Temporal client.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { createUnsubscribeLinks } from '../mail/unsubscribe-links.js';
import { requireApiKey } from './auth.js';
import type { AppEnv, Services } from './context.js';
import { bodyTooLarge, createErrorHandler, MAX_BODY_BYTES, methodNotAllowedResponse, notFoundHandler } from './errors.js';
import { rateLimit, RateLimiter } from './rate-limit.js';
import { createAutomationsRoutes } from './routes/automations.js';
import { createContactPropertiesRoutes } from './routes/contact-properties.js';
import { createContactsRoutes } from './routes/contacts.js';
import { createEmailsRoutes } from './routes/emails.js';
import { createEventsRoutes } from './routes/events.js';
import { createOpenApiRoutes } from './routes/openapi.js';
import { createSegmentsRoutes } from './routes/segments.js';
import { createTemplatesRoutes } from './routes/templates.js';
import { createTopicsRoutes } from './routes/topics.js';
import { createUnsubscribeRoutes } from './routes/unsubscribe.js';

export interface AppOptions {
  /** Clock of the rate limiter; tests pass a fake one. */
  now?: () => number;
}

export function createApp(services: Services, options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.onError(createErrorHandler(services.log));
  app.notFound(notFoundHandler);

  app.use('*', async (c, next) => {
    c.set('services', services);
    await next();
  });
  app.use('*', methodNotAllowed({ app, onMethodNotAllowed: methodNotAllowedResponse }));
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: bodyTooLarge }));

  // Registered before the API key check, which therefore never runs for it: the signed token authenticates the request.
  const unsubscribeLinks = createUnsubscribeLinks({
    publicUrl: services.config.publicUrl,
    configuredSecret: services.config.unsubscribeSecret,
    settings: services.repos.settings,
  });
  app.route('/unsubscribe', createUnsubscribeRoutes(unsubscribeLinks));
  // The API's description is public, like the client libraries generated from it.
  app.route('/', createOpenApiRoutes({ publicUrl: services.config.publicUrl }));

  app.use('*', requireApiKey);
  const { rateLimitPerSecond } = services.config;
  if (rateLimitPerSecond !== undefined) app.use('*', rateLimit(new RateLimiter(rateLimitPerSecond, options.now)));

  app.route('/templates', createTemplatesRoutes());
  app.route('/contacts', createContactsRoutes());
  app.route('/segments', createSegmentsRoutes());
  app.route('/automations', createAutomationsRoutes());
  app.route('/events', createEventsRoutes());
  app.route('/emails', createEmailsRoutes());
  app.route('/contact-properties', createContactPropertiesRoutes());
  app.route('/topics', createTopicsRoutes());

  return app;
}
