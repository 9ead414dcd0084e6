/** /templates: create, list, read, edit, publish, duplicate and delete email templates. */
import { Hono } from 'hono';
import { findUndeclaredPlaceholders } from '../../domain/render.js';
import type { TemplateDoc, TemplateVariableInput, TemplateWriteResult } from '../../repositories/templates.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { loadTemplate } from '../lookups.js';
import { listResponse, pagedQuery, toPageRequest } from '../schemas/common.js';
import { createTemplateBody, updateTemplateBody } from '../schemas/templates.js';
import { templateListItem, templateObject } from '../serializers/templates.js';
import { expectNoBody, parseBody, parseQuery } from '../validation.js';

interface TemplateText {
  subject?: string | null | undefined;
  html: string;
  text?: string | null | undefined;
  variables?: TemplateVariableInput[] | undefined;
}

/** Rejects a placeholder that is neither a declared variable, a `contact.*` field nor a built-in name. */
function assertPlaceholdersDeclared(template: TemplateText): void {
  const undeclared = findUndeclaredPlaceholders({
    subject: template.subject ?? '',
    html: template.html,
    text: template.text ?? null,
    variables: template.variables ?? [],
  });
  if (undeclared.length > 0) {
    const names = undeclared.map((name) => `{{{${name}}}}`).join(', ');
    throw ApiError.validation(
      `The template uses ${names} but declares no such variable; add it to \`variables\` or use a contact field such as {{{contact.first_name}}}.`,
    );
  }
}

function unwrap(result: TemplateWriteResult, alias: string | null | undefined): TemplateDoc {
  if (result.status === 'ok') return result.template;
  if (result.status === 'alias_taken') {
    throw ApiError.validation(`\`alias\` "${alias ?? ''}" is already used by another template; choose another alias.`);
  }
  throw ApiError.notFound('Template was not found.');
}

export function createTemplatesRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post('/', async (c) => {
    const body = await parseBody(c, createTemplateBody);
    assertPlaceholdersDeclared(body);
    const template = unwrap(await c.var.services.repos.templates.create(body), body.alias);
    return c.json({ object: 'template' as const, id: template._id }, 201);
  });

  routes.get('/', async (c) => {
    const query = parseQuery(c, pagedQuery({}));
    const page = await c.var.services.repos.templates.list(toPageRequest(query));
    return c.json(listResponse(page, templateListItem));
  });

  routes.get('/:id_or_alias', async (c) => {
    const template = await loadTemplate(c);
    return c.json(templateObject(template));
  });

  routes.patch('/:id_or_alias', async (c) => {
    const template = await loadTemplate(c);
    const changes = await parseBody(c, updateTemplateBody);
    assertPlaceholdersDeclared({
      subject: changes.subject !== undefined ? changes.subject : template.draft.subject,
      html: changes.html ?? template.draft.html,
      text: changes.text !== undefined ? changes.text : template.draft.text,
      variables: changes.variables ?? template.draft.variables,
    });
    const updated = unwrap(await c.var.services.repos.templates.update(template._id, changes), changes.alias);
    return c.json({ object: 'template' as const, id: updated._id });
  });

  routes.delete('/:id_or_alias', async (c) => {
    const template = await loadTemplate(c);
    const deleted = await c.var.services.repos.templates.delete(template._id);
    if (!deleted) throw ApiError.notFound(`Template ${template._id} was not found.`);
    return c.json({ object: 'template' as const, id: template._id, deleted: true });
  });

  routes.post('/:id_or_alias/publish', async (c) => {
    const template = await loadTemplate(c);
    await expectNoBody(c);
    const published = await c.var.services.repos.templates.publish(template._id);
    if (!published) throw ApiError.notFound(`Template ${template._id} was not found.`);
    return c.json({ object: 'template' as const, id: published._id });
  });

  routes.post('/:id_or_alias/duplicate', async (c) => {
    const template = await loadTemplate(c);
    await expectNoBody(c);
    const copy = unwrap(await c.var.services.repos.templates.duplicate(template._id), undefined);
    return c.json({ object: 'template' as const, id: copy._id }, 201);
  });

  return routes;
}
