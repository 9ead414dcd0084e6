import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMailbox, startLocalSmtpServer, type LocalSmtpServer, type MailLog } from '../../mail/local-smtp-server.js';

interface LogEntry {
  fields: Record<string, unknown>;
  message: string;
}

function recordingLog(entries: LogEntry[]): MailLog {
  return {
    info: (fields, message) => entries.push({ fields, message }),
    warn: (fields, message) => entries.push({ fields, message }),
  };
}

describe('local SMTP server', () => {
  let mailDir: string;
  let server: LocalSmtpServer | undefined;
  let logEntries: LogEntry[];

  beforeEach(async () => {
    mailDir = await mkdtemp(path.join(os.tmpdir(), 'local-smtp-test-'));
    logEntries = [];
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(mailDir, { recursive: true, force: true });
  });

  async function start(): Promise<LocalSmtpServer> {
    server = await startLocalSmtpServer({ host: '127.0.0.1', port: 0, mailDir, log: recordingLog(logEntries) });
    return server;
  }

  function transportTo(url: string) {
    return nodemailer.createTransport(url);
  }

  it('stores each message and drops a repeated Message-ID', async () => {
    const { url } = await start();
    const transport = transportTo(url);

    await transport.sendMail({
      messageId: '<welcome-1@automations.test>',
      from: 'Automations <automations@localhost>',
      to: 'ada@example.com',
      subject: 'Welcome',
      text: 'Hello Ada',
      html: '<p>Hello Ada</p>',
      headers: { 'List-Unsubscribe': '<http://localhost:3000/unsubscribe/abc>' },
    });
    await transport.sendMail({
      messageId: '<welcome-1@automations.test>',
      from: 'Automations <automations@localhost>',
      to: 'ada@example.com',
      subject: 'Welcome again',
      text: 'A retried send',
    });
    transport.close();

    const files = (await readdir(mailDir)).filter((name) => name.endsWith('.eml'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-[0-9a-f]{8}\.eml$/);

    const messages = await readMailbox(mailDir);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message?.messageId).toBe('<welcome-1@automations.test>');
    expect(message?.subject).toBe('Welcome');
    expect(message?.from).toBe('automations@localhost');
    expect(message?.headers.from).toContain('Automations');
    expect(message?.to).toEqual(['ada@example.com']);
    expect(message?.text?.trim()).toBe('Hello Ada');
    expect(message?.html).toBe('<p>Hello Ada</p>');
    expect(message?.headers['list-unsubscribe']).toBe('<http://localhost:3000/unsubscribe/abc>');

    const dropped = logEntries.filter((entry) => entry.message.includes('already received'));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]?.fields.messageId).toBe('<welcome-1@automations.test>');
  });

  it('writes the message bytes exactly as received', async () => {
    const { url } = await start();
    const raw = [
      'From: sender@example.com',
      'To: receiver@example.com',
      'Subject: Raw message',
      'Message-ID: <raw-1@automations.test>',
      'X-Folded-Header: first part',
      '  second part',
      '',
      '.a line that starts with a dot',
      'the last line',
      '',
    ].join('\r\n');

    const transport = transportTo(url);
    await transport.sendMail({ envelope: { from: 'sender@example.com', to: ['receiver@example.com'] }, raw });
    transport.close();

    const [message] = await readMailbox(mailDir);
    expect(message).toBeDefined();
    expect(await readFile(message!.file, 'utf8')).toBe(raw);
    expect(message?.headers['x-folded-header']).toBe('first part second part');
  });

  it('stores messages with different Message-IDs in arrival order', async () => {
    const { url } = await start();
    const transport = transportTo(url);
    for (const index of [1, 2, 3]) {
      await transport.sendMail({
        messageId: `<order-${index}@automations.test>`,
        from: 'automations@localhost',
        to: `contact${index}@example.com`,
        subject: `Message ${index}`,
        text: `Body ${index}`,
      });
    }
    transport.close();

    const messages = await readMailbox(mailDir);
    expect(messages.map((message) => message.subject)).toEqual(['Message 1', 'Message 2', 'Message 3']);
    expect(messages.map((message) => message.to)).toEqual([
      ['contact1@example.com'],
      ['contact2@example.com'],
      ['contact3@example.com'],
    ]);
  });

  it('drops a Message-ID stored before a restart', async () => {
    const first = await start();
    const mail = {
      messageId: '<restart-1@automations.test>',
      from: 'automations@localhost',
      to: 'ada@example.com',
      subject: 'Before the restart',
      text: 'Body',
    };
    let transport = transportTo(first.url);
    await transport.sendMail(mail);
    transport.close();
    await first.close();

    const second = await start();
    transport = transportTo(second.url);
    await transport.sendMail({ ...mail, subject: 'After the restart' });
    transport.close();

    const messages = await readMailbox(mailDir);
    expect(messages.map((message) => message.subject)).toEqual(['Before the restart']);
  });

  it('accepts a client that authenticates', async () => {
    const { port } = await start();
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user: 'anyone', pass: 'anything' },
    });
    await transport.sendMail({ from: 'automations@localhost', to: 'ada@example.com', subject: 'Authenticated', text: 'x' });
    transport.close();

    const messages = await readMailbox(mailDir);
    expect(messages.map((message) => message.subject)).toEqual(['Authenticated']);
  });

  it('returns no messages for a missing folder', async () => {
    expect(await readMailbox(path.join(mailDir, 'missing'))).toEqual([]);
  });
});
