/** /openapi.json and /docs: the API's OpenAPI document and an HTML page of it, served without an API key. */
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { buildOpenApiDocument } from '../openapi/document.js';
import type { OpenApiDocument } from '../openapi/document.js';
import { renderDocsPage } from '../openapi/docs-page.js';

export function createOpenApiRoutes(options: { publicUrl: string }) {
  const routes = new Hono<AppEnv>();
  // Built on the first request, because the document is the same for the app's lifetime.
  let document: OpenApiDocument | undefined;
  let page: string | undefined;

  routes.get('/openapi.json', (c) => {
    document ??= buildOpenApiDocument({ serverUrl: options.publicUrl });
    return c.json(document);
  });

  routes.get('/docs', (c) => {
    document ??= buildOpenApiDocument({ serverUrl: options.publicUrl });
    page ??= renderDocsPage(document);
    return c.html(page);
  });

  return routes;
}
