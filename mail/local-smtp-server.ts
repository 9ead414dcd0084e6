/**
 * A local SMTP server that accepts every message and stores it as an .eml
 * file, so a new user sees real messages without an account anywhere. It
 * replaces an SMTP relay in `npm start` and in the tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** The part of the project's structured logger (config/logger.ts) that this server uses. */
export interface MailLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface LocalSmtpServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Folder for the received messages; created if missing. */
  mailDir: string;
  /** Receives one entry per stored or dropped message; silent when absent. */
  log?: MailLog;
}

export interface LocalSmtpServer {
  port: number;
  /** Value for SMTP_URL, e.g. smtp://127.0.0.1:2525. */
  url: string;
  mailDir: string;
  close(): Promise<void>;
}

/** Largest message accepted, in bytes; larger ones are rejected with SMTP code 552. */
const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

const EML_EXTENSION = '.eml';

const silentLog: MailLog = { info: () => {}, warn: () => {} };

/**
 * Starts the server. It accepts mail without TLS and without authentication,
 * and a client that authenticates anyway is accepted with any credentials.
 *
 * A message whose Message-ID was already received (now or in an earlier run
 * on the same folder) is acknowledged but not stored, the way a receiving
 * provider drops a duplicate.
 */
export async function startLocalSmtpServer(options: LocalSmtpServerOptions): Promise<LocalSmtpServer> {
  const host = options.host ?? '127.0.0.1';
  const mailDir = path.resolve(options.mailDir);
  const log = options.log ?? silentLog;
  await mkdir(mailDir, { recursive: true });

  const seenMessageIds = await readStoredMessageIds(mailDir);
  const nextFileName = createFileNamer();

  const server = new SMTPServer({
    // STARTTLS would need a certificate; a loopback sink has no use for one.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'local' }),
    disableReverseLookup: true,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    // A pooled client may hold an idle connection; close() waits at most this long for it.
    closeTimeout: 2_000,
    onData(stream, session, callback) {
      readMessage(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error('Message exceeds the maximum size'), { responseCode: 552 }));
            return;
          }

          const messageId = readHeader(raw, 'message-id');
          if (messageId !== undefined && seenMessageIds.has(messageId)) {
            log.info({ messageId, sessionId: session.id }, 'Dropped a message whose Message-ID was already received');
            callback();
            return;
          }
          if (messageId !== undefined) seenMessageIds.add(messageId);

          const file = await storeMessage(mailDir, nextFileName(), raw);
          log.info({ messageId, file, sessionId: session.id }, 'Stored a received message');
          callback();
        })
        .catch((error: unknown) => {
          log.warn({ err: error, sessionId: session.id }, 'Could not store a received message');
          callback(Object.assign(new Error('Could not store the message, try again later'), { responseCode: 451 }));
        });
    },
  });
  server.on('error', (error: Error) => log.warn({ err: error }, 'Local SMTP server error'));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('Could not read the port of the local SMTP server');

  return {
    port: address.port,
    url: `smtp://${host}:${address.port}`,
    mailDir,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readMessage(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Returns a function that names message files `<UTC timestamp>-<random>.eml`.
 * Timestamps never repeat or go backwards within one server, so sorting the
 * names sorts the messages by arrival.
 */
function createFileNamer(): () => string {
  let lastMs = 0;
  return () => {
    lastMs = Math.max(Date.now(), lastMs + 1);
    const timestamp = new Date(lastMs).toISOString().replace(/:/g, '-');
    return `${timestamp}-${randomBytes(4).toString('hex')}${EML_EXTENSION}`;
  };
}

/** Writes the raw message under a temporary name first, so readers never see half a file. */
async function storeMessage(mailDir: string, fileName: string, raw: Buffer): Promise<string> {
  const file = path.join(mailDir, fileName);
  const partial = `${file}.partial`;
  await writeFile(partial, raw);
  await rename(partial, file);
  return file;
}

/** Returns the value of the first header called `name` (lower case), unfolded and trimmed. */
function readHeader(raw: Buffer, name: string): string | undefined {
  const text = raw.toString('latin1');
  const headerEnd = text.search(/\r?\n\r?\n/);
  const headerBlock = headerEnd === -1 ? text : text.slice(0, headerEnd);
  const unfolded = headerBlock.replace(/\r?\n[ \t]/g, ' ');

  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
  }
  return undefined;
}

async function readStoredMessageIds(mailDir: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const file of await listMessageFiles(mailDir)) {
    const messageId = readHeader(await readFile(path.join(mailDir, file)), 'message-id');
    if (messageId !== undefined) ids.add(messageId);
  }
  return ids;
}

async function listMessageFiles(mailDir: string): Promise<string[]> {
  const names = await readdir(mailDir);
  return names.filter((name) => name.endsWith(EML_EXTENSION)).sort();
}

/** One message read back from the mail folder. */
export interface ReceivedMessage {
  /** Absolute path of the .eml file. */
  file: string;
  messageId: string | undefined;
  /** Address in the From header, e.g. `automations@localhost`; the display name is in `headers.from`. */
  from: string | undefined;
  /** Addresses in the To header. */
  to: string[];
  subject: string | undefined;
  html: string | undefined;
  text: string | undefined;
  /**
   * Header values by lower-case name, as they appear in the message after
   * unfolding; repeated headers are joined with a newline.
   */
  headers: Record<string, string>;
}

/** Parses every .eml file in `mailDir`, sorted by file name, which is the order of arrival. */
export async function readMailbox(mailDir: string): Promise<ReceivedMessage[]> {
  let files: string[];
  try {
    files = await listMessageFiles(mailDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }

  const messages: ReceivedMessage[] = [];
  for (const name of files) {
    const file = path.join(mailDir, name);
    const parsed = await simpleParser(await readFile(file));
    messages.push({
      file,
      messageId: parsed.messageId,
      from: addressesOf(parsed.from)[0],
      to: addressesOf(parsed.to),
      subject: parsed.subject,
      html: parsed.html === false ? undefined : parsed.html,
      text: parsed.text,
      headers: collectHeaders(parsed.headerLines),
    });
  }
  return messages;
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  if (field === undefined) return [];
  const objects = Array.isArray(field) ? field : [field];
  return objects.flatMap((object) => object.value.map((entry) => entry.address ?? '')).filter((address) => address !== '');
}

function collectHeaders(headerLines: ReadonlyArray<{ key: string; line: string }>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of headerLines) {
    const colon = line.indexOf(':');
    const value = line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    const existing = headers[key];
    headers[key] = existing === undefined ? value : `${existing}\n${value}`;
  }
  return headers;
}
