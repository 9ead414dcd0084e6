/**
 * Loads the example contact properties, templates and automations from
 * examples/ into a running server through its HTTP API: `npm run examples:load`.
 * The contact properties come first, because contact_update steps may only
 * write declared properties.
 *
 * In the example files, `template.id` is a template alias and `segment_id` a
 * segment name; the loader swaps in the ids the server assigned.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const EXAMPLES_DIR = fileURLToPath(new URL('../examples/', import.meta.url));

export interface LoadExamplesOptions {
  baseUrl: string;
  apiKey: string;
  /** Rewrites each delay and wait timeout, so tests can run the examples in seconds. */
  mapDuration?: (duration: string, use: 'delay' | 'timeout') => string;
  /** Status given to every automation; the files set `enabled`. */
  status?: 'enabled' | 'disabled';
}

export interface LoadedExamples {
  /** Contact property ids by key. */
  contactProperties: Record<string, string>;
  templates: Record<string, string>;
  segments: Record<string, string>;
  automations: Record<string, { id: string; name: string; definition: ExampleAutomation }>;
}

interface ExampleStep {
  key: string;
  type: string;
  config: Record<string, unknown>;
}

export interface ExampleAutomation {
  name: string;
  status?: string;
  steps: ExampleStep[];
  connections: { from: string; to: string; type?: string }[];
}

async function readJsonFiles<T>(folder: string): Promise<{ name: string; body: T }[]> {
  const files = (await readdir(join(EXAMPLES_DIR, folder))).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      name: file.replace(/\.json$/, ''),
      body: JSON.parse(await readFile(join(EXAMPLES_DIR, folder, file), 'utf8')) as T,
    })),
  );
}

function createClient(baseUrl: string, apiKey: string) {
  return async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} failed with ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  };
}

export async function loadExamples(options: LoadExamplesOptions): Promise<LoadedExamples> {
  const request = createClient(options.baseUrl, options.apiKey);
  const loaded: LoadedExamples = { contactProperties: {}, templates: {}, segments: {}, automations: {} };

  const properties = JSON.parse(await readFile(join(EXAMPLES_DIR, 'contact-properties.json'), 'utf8')) as { key: string }[];
  for (const property of properties) {
    loaded.contactProperties[property.key] = (await request<{ id: string }>('POST', '/contact-properties', property)).id;
  }

  for (const { body } of await readJsonFiles<{ alias: string }>('templates')) {
    const created = await request<{ id: string }>('POST', '/templates', body);
    await request('POST', `/templates/${created.id}/publish`);
    loaded.templates[body.alias] = created.id;
  }

  for (const { name, body } of await readJsonFiles<ExampleAutomation>('automations')) {
    const steps: ExampleStep[] = [];
    for (const step of body.steps) steps.push(await resolveStep(step, loaded, request, options));
    const definition = { ...body, steps, status: options.status ?? body.status };
    const created = await request<{ id: string }>('POST', '/automations', definition);
    loaded.automations[name] = { id: created.id, name: body.name, definition };
  }
  return loaded;
}

async function resolveStep(
  step: ExampleStep,
  loaded: LoadedExamples,
  request: ReturnType<typeof createClient>,
  options: LoadExamplesOptions,
): Promise<ExampleStep> {
  const config = structuredClone(step.config);
  if (step.type === 'send_email') {
    const template = config.template as { id: string };
    const id = loaded.templates[template.id];
    if (!id) throw new Error(`step "${step.key}" names template alias "${template.id}", which examples/templates lacks`);
    template.id = id;
  }
  if (step.type === 'add_to_segment') {
    const name = config.segment_id as string;
    loaded.segments[name] ??= (await request<{ id: string }>('POST', '/segments', { name })).id;
    config.segment_id = loaded.segments[name];
  }
  const map = options.mapDuration;
  if (map && step.type === 'delay') config.duration = map(config.duration as string, 'delay');
  if (map && step.type === 'wait_for_event' && typeof config.timeout === 'string') {
    config.timeout = map(config.timeout, 'timeout');
  }
  return { ...step, config };
}

async function main(): Promise<void> {
  const apiKey = process.env.RESEND_API_KEY;
  if (!apiKey) {
    console.error('RESEND_API_KEY is not set: set it to the API key that `npm start` printed.');
    process.exit(2);
  }
  const baseUrl = process.env.RESEND_BASE_URL ?? 'http://localhost:3000';
  const loaded = await loadExamples({ baseUrl, apiKey });
  for (const [file, automation] of Object.entries(loaded.automations)) {
    console.log(`${automation.id}  ${automation.name} (examples/automations/${file}.json)`);
  }
  console.log(
    `Loaded ${Object.keys(loaded.contactProperties).length} contact properties, ${Object.keys(loaded.templates).length} published templates and ${Object.keys(loaded.automations).length} enabled automations into ${baseUrl}.`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
