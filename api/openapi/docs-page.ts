/**
 * Renders the OpenAPI document as one self-contained HTML page: no scripts,
 * no external styles or fonts, so it works without network access.
 */
import type { JsonSchema } from './graph-schema.js';
import type { OpenApiDocument, OpenApiOperation, OpenApiParameter } from './document.js';

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 1rem 2rem; color: #1d1d1f; }
h1 { margin-bottom: 0; } h2 { border-bottom: 1px solid #ddd; margin-top: 2.5rem; }
code, pre { font: 13px/1.4 ui-monospace, monospace; } pre { background: #f5f5f7; padding: .75rem; overflow-x: auto; }
.operation { border: 1px solid #ddd; border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem; }
.method { display: inline-block; min-width: 4.5rem; font-weight: 700; text-transform: uppercase; }
.get { color: #0a6e31; } .post { color: #0b57a4; } .patch { color: #8a5a00; } .delete { color: #b3261e; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
nav ul { columns: 3; }
`;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Renders `code` spans from backticks in escaped text. */
function inlineCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function schemaLink(schema: JsonSchema): string {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
  }
  return `<details><summary>schema</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`;
}

function describeType(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.type !== undefined) parts.push(String(schema.type));
  if (schema.format !== undefined) parts.push(`(${String(schema.format)})`);
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.map((value) => JSON.stringify(value)).join(', ')}`);
  if (schema.pattern !== undefined) parts.push(`matching ${String(schema.pattern)}`);
  return parts.join(' ');
}

function parametersTable(parameters: OpenApiParameter[]): string {
  if (parameters.length === 0) return '';
  const rows = parameters.map(
    (parameter) =>
      `<tr><td><code>${escapeHtml(parameter.name)}</code></td><td>${parameter.in}</td><td>${parameter.required ? 'yes' : 'no'}</td>` +
      `<td>${escapeHtml(describeType(parameter.schema))}</td><td>${inlineCode(parameter.description ?? '')}</td></tr>`,
  );
  return `<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Type</th><th>Description</th></tr>${rows.join('')}</table>`;
}

function responsesList(operation: OpenApiOperation): string {
  const items = Object.entries(operation.responses).map(([status, response]) => {
    const ref = response.$ref;
    if (typeof ref === 'string') return `<li>${status}: ${escapeHtml(ref.split('/').pop() ?? '')}</li>`;
    const content = response.content as Record<string, { schema: JsonSchema }>;
    const [contentType, body] = Object.entries(content)[0]!;
    return `<li>${status} <code>${escapeHtml(contentType)}</code>: ${inlineCode(String(response.description))} ${schemaLink(body.schema)}</li>`;
  });
  return `<ul>${items.join('')}</ul>`;
}

function operationSection(path: string, method: string, operation: OpenApiOperation): string {
  const [bodyType, body] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
  return [
    `<section class="operation" id="${escapeHtml(operation.operationId)}">`,
    `<h3><span class="method ${method}">${method}</span> <code>${escapeHtml(path)}</code></h3>`,
    `<p>${inlineCode(operation.summary)}${operation.security?.length === 0 ? ' <em>(no API key)</em>' : ''}</p>`,
    operation.description === undefined ? '' : `<p>${inlineCode(operation.description)}</p>`,
    parametersTable(operation.parameters),
    body === undefined ? '' : `<p>Request body (<code>${escapeHtml(bodyType!)}</code>): ${schemaLink(body.schema)}</p>`,
    `<p>Responses:</p>${responsesList(operation)}`,
    '</section>',
  ].join('\n');
}

/** Renders the whole document: operations grouped by tag, then every component schema. */
export function renderDocsPage(document: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const contents = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const tag = operation.tags[0] ?? 'Other';
      if (!byTag.has(tag)) {
        byTag.set(tag, []);
        contents.set(tag, []);
      }
      byTag.get(tag)!.push(operationSection(path, method, operation));
      contents.get(tag)!.push(`<a href="#${escapeHtml(operation.operationId)}">${method.toUpperCase()} ${escapeHtml(path)}</a>`);
    }
  }

  const navigation = [...contents.entries()]
    .map(([tag, links]) => `<li><strong>${escapeHtml(tag)}</strong><br>${links.join('<br>')}</li>`)
    .join('');
  const sections = [...byTag.entries()].map(([tag, operations]) => `<h2>${escapeHtml(tag)}</h2>\n${operations.join('\n')}`);
  const schemas = Object.entries(document.components.schemas).map(
    ([name, schema]) =>
      `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></section>`,
  );

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(document.info.title)}</h1>
<p>${inlineCode(document.info.description)}</p>
<p>Base URL: <code>${escapeHtml(document.servers[0]?.url ?? '')}</code>. Machine-readable document: <a href="openapi.json">openapi.json</a> (OpenAPI ${document.openapi}).</p>
<nav><ul>${navigation}</ul></nav>
${sections.join('\n')}
<h2>Schemas</h2>
${schemas.join('\n')}
</body>
</html>
`;
}
