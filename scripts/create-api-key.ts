/**
 * Creates an API key and prints it once.
 *
 *   npm run create-api-key -- --name NAME [--permission full_access|sending_access]
 *   npm run create-api-key -- --if-none
 *
 * A `sending_access` key may only call `POST /events/send`; the default,
 * `full_access`, may call every endpoint.
 * With `--if-none` it does nothing when a key exists. Otherwise it stores
 * BOOTSTRAP_API_KEY when that is set (without printing it), or creates and
 * prints a new key.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { API_KEY_PERMISSIONS, hashApiKey, type ApiKeyPermission } from '../repositories/api-keys.js';
import { connectMongo, createRepositories, ensureAllIndexes } from '../repositories/db.js';

const USAGE = 'Usage: npm run create-api-key -- [--name NAME] [--permission full_access|sending_access] [--if-none]';

function isPermission(value: string): value is ApiKeyPermission {
  return (API_KEY_PERMISSIONS as readonly string[]).includes(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      name: { type: 'string', default: 'default' },
      permission: { type: 'string', default: 'full_access' },
      'if-none': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      `${USAGE}\n  --name NAME        label stored with the key (default "default")` +
        '\n  --permission NAME  full_access (every endpoint, the default) or sending_access (only POST /events/send)' +
        '\n  --if-none          create a key only when none exists',
    );
    return;
  }
  const name = values.name.trim();
  if (name === '' || name.length > 100) throw new Error(`--name must be 1 to 100 characters. ${USAGE}`);
  const permission = values.permission;
  if (!isPermission(permission)) {
    throw new Error(`--permission must be one of ${API_KEY_PERMISSIONS.join(', ')}, got "${permission}". ${USAGE}`);
  }

  const config = loadConfig();
  const mongo = await connectMongo(config);
  try {
    const repos = createRepositories(mongo.db);
    await ensureAllIndexes(repos);

    if (values['if-none']) {
      if ((await repos.apiKeys.count()) > 0) {
        console.log('An API key already exists; no key was created.');
        return;
      }
      if (config.bootstrapApiKey !== undefined) {
        await repos.apiKeys.insertHashed('bootstrap', hashApiKey(config.bootstrapApiKey));
        console.log('The key in BOOTSTRAP_API_KEY is now the active API key.');
        return;
      }
    }

    const { key } = await repos.apiKeys.create(name, permission);
    console.log(`API key "${name}" (${permission}): ${key}`);
    console.log('Store it now: it will not be shown again.');
  } finally {
    await mongo.client.close();
  }
}

main().catch((error: unknown) => {
  console.error(`create-api-key failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
