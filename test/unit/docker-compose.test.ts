/**
 * Static checks of docker-compose.yml and the Dockerfile. Docker cannot run in
 * the test environment, so these read the files instead of starting them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { RUN_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}

// merge: true resolves the `<<: *anchor` merge keys that Compose supports.
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** Port each service listens on inside the network, which URLs in the file must use. */
const SERVICE_PORTS: Record<string, number> = {
  api: 3000,
  mongodb: 27017,
  temporal: 7233,
  'temporal-postgresql': 5432,
  'temporal-ui': 8080,
  mailpit: 1025,
};

/** Variable names `loadConfig` reads, taken from the source of config/config.ts. */
function configVariableNames(): Set<string> {
  const source = read('config/config.ts');
  const names = new Set<string>();
  for (const match of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) names.add(match[1]!);
  for (const match of source.matchAll(/\(\s*env,\s*'([A-Z][A-Z0-9_]*)'/g)) names.add(match[1]!);
  return names;
}

/** Resolves Compose interpolation (`${NAME:-default}`, `${NAME}`) as if no variable were set. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_match, _name, fallback?: string) => fallback ?? '');
}

function resolvedEnvironment(name: string): Record<string, string> {
  const environment = services[name]?.environment ?? {};
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, interpolate(String(value))]));
}

/** Returns the host and port that an address variable points at, or null if it is no address. */
function addressOf(name: string, value: string): { host: string; port: number } | null {
  if (name === 'TEMPORAL_ADDRESS') {
    const [host, port] = value.split(':');
    return { host: host!, port: Number(port) };
  }
  if (!/_(URL|URI)$/.test(name) || name === 'PUBLIC_URL') return null;
  const url = new URL(value);
  return { host: url.hostname, port: Number(url.port) };
}

describe('docker-compose.yml services', () => {
  it('contains the whole deployment', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'mailpit', 'mongodb', 'mongodb-init', 'temporal', 'temporal-postgresql', 'temporal-setup', 'temporal-ui', 'worker'].sort(),
    );
  });

  it.each(Object.entries(services))('%s has an image with a fixed tag or a build', (_name, service) => {
    expect(service.image ?? service.build).toBeDefined();
    if (service.build === undefined) {
      expect(service.image).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9._-]+$/);
      expect(service.image).not.toMatch(/:latest$/);
    }
  });

  it('builds the api and the worker from one image', () => {
    expect(services.api!.build).toBe('.');
    expect(services.worker!.build).toBe('.');
    expect(services.worker!.image).toBe(services.api!.image);
    expect(services.api!.command).toEqual(['node', '--import', 'tsx', 'api/server.ts']);
    expect(services.worker!.command).toEqual(['node', '--import', 'tsx', 'worker.ts']);
  });

  it('publishes only the API and the two web UIs', () => {
    const published = Object.entries(services)
      .filter(([, service]) => service.ports !== undefined)
      .map(([name, service]) => [name, service.ports!.map(interpolate)]);
    expect(Object.fromEntries(published)).toEqual({
      api: ['3000:3000'],
      'temporal-ui': ['127.0.0.1:8080:8080'],
      mailpit: ['127.0.0.1:8025:8025'],
    });
  });

  it('lets every service scale, with no container names', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.container_name, name).toBeUndefined();
    }
    expect(services.worker!.deploy?.replicas).toBeGreaterThanOrEqual(1);
    expect(services.worker!.ports).toBeUndefined();
  });

  it('starts api and worker after setup jobs', () => {
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on, name).toEqual({
        'mongodb-init': { condition: 'service_completed_successfully' },
        'temporal-setup': { condition: 'service_completed_successfully' },
      });
    }
  });

  it('runs MongoDB as the replica set that MONGODB_URI names', () => {
    expect(services.mongodb!.command).toEqual(['--replSet', 'rs0', '--bind_ip_all']);
    expect(read('deploy/mongodb-init.js')).toContain("_id: 'rs0'");
    expect(new URL(resolvedEnvironment('api').MONGODB_URI!).searchParams.get('replicaSet')).toBe('rs0');
  });

  it('registers every search attribute the workflows set', () => {
    const script = read('deploy/register-search-attributes.sh');
    for (const key of RUN_SEARCH_ATTRIBUTES) {
      expect(key.type).toBe('KEYWORD');
      expect(script).toMatch(new RegExp(`for name in [^\\n]*\\b${key.name}\\b`));
    }
    expect(script).toContain('--type Keyword');
  });

  it('mounts files that exist in the repository', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('./')) continue;
        expect(existsSync(`${ROOT}${source.slice(2)}`), `${name}: ${source}`).toBe(true);
      }
    }
  });
});

describe('docker-compose.yml environment', () => {
  const configNames = configVariableNames();

  it('finds the variables loadConfig reads', () => {
    for (const name of ['PORT', 'HOST', 'MONGODB_URI', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'SMTP_URL', 'PUBLIC_URL', 'BOOTSTRAP_API_KEY']) {
      expect(configNames.has(name), name).toBe(true);
    }
  });

  it.each(['api', 'worker'])('%s sets only variables that loadConfig reads', (name) => {
    for (const variable of Object.keys(resolvedEnvironment(name))) {
      expect(configNames.has(variable), `${name} sets ${variable}`).toBe(true);
    }
  });

  it.each(['api', 'worker'])('%s sets the service addresses and the public URL', (name) => {
    const environment = resolvedEnvironment(name);
    for (const variable of ['MONGODB_URI', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'SMTP_URL', 'PUBLIC_URL']) {
      expect(environment[variable], `${name} ${variable}`).toBeTruthy();
    }
  });

  it('gives the api its port, a public address and the bootstrap key', () => {
    const environment = resolvedEnvironment('api');
    const config = loadConfig(environment);
    expect(config.host).toBe('0.0.0.0');
    expect(services.api!.ports!.map(interpolate)).toContain(`${config.port}:${config.port}`);
    expect(Object.keys(environment)).toContain('BOOTSTRAP_API_KEY');
  });

  it.each(['api', 'worker'])('%s environment passes loadConfig with the defaults', (name) => {
    expect(() => loadConfig(resolvedEnvironment(name))).not.toThrow();
  });

  it('points every address variable at a service of the file', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        const address = addressOf(variable, interpolate(String(value)));
        if (address === null) continue;
        expect(Object.keys(SERVICE_PORTS), `${name} ${variable}=${value}`).toContain(address.host);
        expect(address.port, `${name} ${variable}=${value}`).toBe(SERVICE_PORTS[address.host]);
      }
    }
  });

  it('sends mail to the SMTP catcher by default', () => {
    expect(resolvedEnvironment('worker').SMTP_URL).toBe('smtp://mailpit:1025');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const packageJson = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };

  it('installs production dependencies on node 20', () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toContain('npm ci --omit=dev');
  });

  it('runs with tsx, which is a production dependency', () => {
    expect(dockerfile).toContain('CMD ["node", "--import", "tsx", "api/server.ts"]');
    expect(packageJson.dependencies.tsx).toBeDefined();
  });

  it('runs entry points that exist', () => {
    expect(existsSync(`${ROOT}api/server.ts`)).toBe(true);
    expect(existsSync(`${ROOT}worker.ts`)).toBe(true);
  });
});
