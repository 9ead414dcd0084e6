/**
 * Runs the local SMTP server on its own, e.g. to point another program's
 * SMTP_URL at it: `tsx scripts/smtp-server.ts [--port 2525] [--mail-dir .data/mail]`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../config/logger.js';
import { startLocalSmtpServer } from '../mail/local-smtp-server.js';
import { REPO_ROOT } from './tools.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '2525' },
    'mail-dir': { type: 'string', default: path.join(REPO_ROOT, '.data', 'mail') },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a port number between 0 and 65535, got "${values.port}"\n`);
  process.exit(1);
}

const log = createLogger('info', { service: 'smtp' });
const server = await startLocalSmtpServer({ host: '127.0.0.1', port, mailDir: values['mail-dir'], log });
log.info({ url: server.url, mailDir: server.mailDir }, 'Local SMTP server started; press Ctrl-C to stop');

const stop = (): void => {
  void server.close().then(() => {
    log.info({}, 'Local SMTP server stopped');
    process.exit(0);
  });
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
