/**
 * An SMTP receiver for fault tests that can reject recipients or messages,
 * hold the final reply to DATA, and go down and come back on the same port.
 *
 * It counts a message as delivered the way a careful receiving provider
 * does: a message whose connection dropped before the final reply was sent
 * is discarded, and a message whose Message-ID was already delivered is
 * acknowledged but dropped as a duplicate.
 */
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** A reply that fails a command, e.g. `{ code: 550, message: '5.1.1 No such user' }`. */
export interface SmtpRejection {
  code: number;
  message: string;
}

/**
 * What the server does with a message after its DATA arrived:
 * - `accept`: reply 250 at once;
 * - `hold`: keep the final reply back until the test releases it; the message
 *   counts as delivered only once the reply is sent;
 * - `store-then-hold`: count the message as delivered, then keep the reply
 *   back, as a receiver does that committed the message before its reply was lost;
 * - a rejection: reply with that code.
 */
export type MessageDecision = 'accept' | 'hold' | 'store-then-hold' | SmtpRejection;

export interface ReceivedAttempt {
  sessionId: string;
  messageId: string | undefined;
  to: string[];
  outcome: 'delivered' | 'duplicate' | 'dropped' | 'rejected' | 'held';
}

export interface FaultSmtpServerOptions {
  /** Called for each RCPT TO; a rejection fails the command. */
  onRecipient?: (address: string) => SmtpRejection | undefined;
  /** Called once per message after its DATA arrived. Default: accept. */
  onMessage?: (attempt: ReceivedAttempt) => MessageDecision;
}

interface HeldMessage {
  attempt: ReceivedAttempt;
  /** Whether the message was counted as delivered before its reply was held. */
  stored: boolean;
  reply: (error?: Error | null) => void;
}

export class FaultSmtpServer {
  /** Every message received, in order, with what became of it. */
  readonly attempts: ReceivedAttempt[] = [];
  /** Messages counted as delivered, at most one per Message-ID. */
  readonly delivered: ReceivedAttempt[] = [];
  /** Recipients rejected at RCPT TO. */
  readonly rejectedRecipients: string[] = [];
  private readonly deliveredMessageIds = new Set<string>();
  private readonly held = new Map<string, HeldMessage>();
  private server: SMTPServer | undefined;
  private boundPort = 0;

  constructor(private readonly options: FaultSmtpServerOptions = {}) {}

  get port(): number {
    return this.boundPort;
  }

  /** Value for SMTP_URL. */
  get url(): string {
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  /** Starts listening: on a free port the first time, on the same port after `stop()`. */
  async start(): Promise<void> {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      disableReverseLookup: true,
      logger: false,
      closeTimeout: 500,
      onRcptTo: (address, _session, callback) => this.handleRecipient(address, callback),
      onData: (stream, session, callback) => this.handleData(stream, session, callback),
      onClose: (session) => this.handleClose(session),
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('could not read the port of the test SMTP server');
    this.boundPort = address.port;
    this.server = server;
  }

  /** Stops listening and closes open connections, so new connections are refused until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Returns the messages whose final reply is being held, oldest first. */
  heldMessages(): ReceivedAttempt[] {
    return [...this.held.values()].map((message) => message.attempt);
  }

  /** Sends the held reply of every held message: 250, which delivers it unless it was stored already. */
  releaseHeld(): void {
    for (const [sessionId, message] of this.held) {
      this.held.delete(sessionId);
      if (!message.stored) this.deliver(message.attempt);
      message.reply();
    }
  }

  /** Returns the delivered messages addressed to `address`. */
  deliveredTo(address: string): ReceivedAttempt[] {
    return this.delivered.filter((attempt) => attempt.to.includes(address));
  }

  /** Returns every message received for `address`, whatever became of it. */
  attemptsFor(address: string): ReceivedAttempt[] {
    return this.attempts.filter((attempt) => attempt.to.includes(address));
  }

  private handleRecipient(address: SMTPServerAddress, callback: (error?: Error | null) => void): void {
    const rejection = this.options.onRecipient?.(address.address);
    if (!rejection) {
      callback();
      return;
    }
    this.rejectedRecipients.push(address.address);
    callback(smtpError(rejection));
  }

  private handleData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (error?: Error | null) => void,
  ): void {
    readAll(stream)
      .then((raw) => {
        const attempt: ReceivedAttempt = {
          sessionId: session.id,
          messageId: readMessageId(raw),
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          outcome: 'held',
        };
        this.attempts.push(attempt);
        const decision = this.options.onMessage?.(attempt) ?? 'accept';

        if (decision === 'accept') {
          this.deliver(attempt);
          callback();
        } else if (decision === 'hold' || decision === 'store-then-hold') {
          const stored = decision === 'store-then-hold';
          if (stored) this.deliver(attempt);
          this.held.set(session.id, { attempt, stored, reply: callback });
        } else {
          attempt.outcome = 'rejected';
          callback(smtpError(decision));
        }
      })
      .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
  }

  /** Drops the message of a connection that closed while its reply was held, unless it was stored already. */
  private handleClose(session: SMTPServerSession): void {
    const message = this.held.get(session.id);
    if (!message) return;
    this.held.delete(session.id);
    if (!message.stored) message.attempt.outcome = 'dropped';
  }

  private deliver(attempt: ReceivedAttempt): void {
    if (attempt.messageId !== undefined && this.deliveredMessageIds.has(attempt.messageId)) {
      attempt.outcome = 'duplicate';
      return;
    }
    if (attempt.messageId !== undefined) this.deliveredMessageIds.add(attempt.messageId);
    attempt.outcome = 'delivered';
    this.delivered.push(attempt);
  }
}

function smtpError(rejection: SmtpRejection): Error {
  return Object.assign(new Error(rejection.message), { responseCode: rejection.code });
}

async function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads the Message-ID header from the header block of a raw message. */
function readMessageId(raw: Buffer): string | undefined {
  const text = raw.toString('latin1');
  const headerEnd = text.search(/\r?\n\r?\n/);
  const headers = (headerEnd === -1 ? text : text.slice(0, headerEnd)).replace(/\r?\n[ \t]/g, ' ');
  const match = /^message-id:\s*(.+)$/im.exec(headers);
  return match?.[1]?.trim();
}
