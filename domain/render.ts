/**
 * Rendering of template placeholders: `{{{NAME}}}` for declared variables,
 * `{{{contact.first_name|there}}}` for contact fields with an inline fallback,
 * and names the caller supplies such as `{{{RESEND_UNSUBSCRIBE_URL}}}`.
 */
import { readContactField } from './variables.js';
import type { ContactSnapshot } from '../workflows/contract.js';

export interface TemplateVariable {
  key: string;
  type: 'string' | 'number';
  fallback_value: string | number | null;
}

export interface RenderableTemplate {
  subject: string;
  html: string;
  text: string | null;
  variables: TemplateVariable[];
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string | null;
}

/** Placeholders the engine fills in itself, so templates may use them without declaring them. */
export const BUILT_IN_PLACEHOLDERS = ['RESEND_UNSUBSCRIBE_URL'] as const;

/** A template that cannot be rendered with the values given, such as a required variable without a value. */
export class RenderError extends Error {
  override name = 'RenderError';
}

// `{{{ NAME }}}` or `{{{ contact.first_name | fallback }}}`. The name is a
// dotted identifier, and the fallback is any text without braces.
const PLACEHOLDER = /\{\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(?:\|([^{}]*))?\}\}\}/g;

const CONTACT_PREFIX = 'contact.';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const NUMERIC_STRING = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]!);
}

function hasOwn(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** Returns the placeholder names in `text`, each once, in order of first use. */
export function extractPlaceholders(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) names.add(match[1]!);
  return [...names];
}

export function isContactPlaceholder(name: string): boolean {
  return name.startsWith(CONTACT_PREFIX) && name.length > CONTACT_PREFIX.length;
}

/**
 * Returns the placeholders of a template that are neither declared variables,
 * contact fields nor built-in names, so the API can reject the template.
 */
export function findUndeclaredPlaceholders(
  template: Pick<RenderableTemplate, 'subject' | 'html' | 'text'> & { variables: Pick<TemplateVariable, 'key'>[] },
  builtInNames: readonly string[] = BUILT_IN_PLACEHOLDERS,
): string[] {
  const declared = new Set(template.variables.map((variable) => variable.key));
  const used = new Set([
    ...extractPlaceholders(template.subject),
    ...extractPlaceholders(template.html),
    ...extractPlaceholders(template.text ?? ''),
  ]);
  return [...used].filter((name) => !declared.has(name) && !isContactPlaceholder(name) && !builtInNames.includes(name));
}

function formatVariable(variable: TemplateVariable, value: unknown): string {
  if (variable.type === 'number') {
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string' && NUMERIC_STRING.test(value.trim())) return value.trim();
    const found = typeof value === 'string' ? JSON.stringify(value) : typeof value;
    throw new RenderError(`template variable "${variable.key}" must be a number, got ${found}`);
  }

  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

interface RenderSources {
  variables: ReadonlyMap<string, TemplateVariable>;
  values: Record<string, unknown>;
  contact: ContactSnapshot | null;
  extra: Record<string, string>;
}

/**
 * Returns the text for one placeholder. A contact field that is absent, null
 * or "" uses the inline fallback, else renders as "". A declared variable
 * whose value is absent or null uses the inline fallback, then the declared
 * fallback, and throws RenderError when it has neither.
 */
function placeholderValue(name: string, inlineFallback: string | undefined, sources: RenderSources): string {
  if (isContactPlaceholder(name)) {
    const value = readContactField(sources.contact, name.slice(CONTACT_PREFIX.length).split('.'));
    if (value === undefined || value === null || value === '') return inlineFallback ?? '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  if (hasOwn(sources.extra, name)) return sources.extra[name]!;

  const variable = sources.variables.get(name);
  if (!variable) {
    throw new RenderError(`template placeholder "${name}" is not a declared variable: declare it in the template's variables`);
  }

  const value = hasOwn(sources.values, name) ? sources.values[name] : undefined;
  if (value !== undefined && value !== null) return formatVariable(variable, value);
  if (inlineFallback !== undefined) return inlineFallback;
  if (variable.fallback_value !== null) return String(variable.fallback_value);
  throw new RenderError(`template variable "${name}" has no value and no fallback`);
}

/** Encoding of inserted text: escaped for HTML, kept on one line for a header, or unchanged. */
type Encoding = 'html' | 'header' | 'plain';

function encode(value: string, encoding: Encoding): string {
  if (encoding === 'html') return escapeHtml(value);
  // A line break in a header value would start a new header.
  if (encoding === 'header') return value.replace(/[\r\n]+/g, ' ');
  return value;
}

/**
 * Replaces every placeholder in one pass, so text inserted for a placeholder
 * is never scanned again: a contact named "{{{x}}}" appears literally.
 */
function fill(text: string, sources: RenderSources, encoding: Encoding): string {
  return text.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
    return encode(placeholderValue(name, fallback?.trim(), sources), encoding);
  });
}

/**
 * Renders the subject, HTML and text of a template. Values inserted into the
 * HTML are HTML-escaped. Values in the text are inserted as they are, and in
 * the subject line breaks become spaces. `extra` supplies built-in names such as RESEND_UNSUBSCRIBE_URL.
 * Throws RenderError for a placeholder that is not declared, not a contact
 * field and not in `extra`, and for a required variable without a value.
 */
export function renderTemplate(
  template: RenderableTemplate,
  values: Record<string, unknown>,
  contact: ContactSnapshot | null,
  extra: Record<string, string> = {},
): RenderedEmail {
  const sources: RenderSources = {
    variables: new Map(template.variables.map((variable) => [variable.key, variable])),
    values,
    contact,
    extra,
  };

  return {
    subject: fill(template.subject, sources, 'header'),
    html: fill(template.html, sources, 'html'),
    text: template.text === null ? null : fill(template.text, sources, 'plain'),
  };
}
