/** Delivery over SMTP with nodemailer, configured by one URL. */
import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  from: string;
  to: string;
  replyTo: string[];
  subject: string;
  html: string;
  text: string | null;
  /** Stable per run step, so a receiver can drop a copy sent again after a crash. */
  messageId: string;
  headers: Record<string, string>;
}

export interface Mailer {
  /** Sends one email and returns the server's final reply. */
  send(email: OutgoingEmail): Promise<{ response: string }>;
  close(): void;
}

/** SMTP reply codes 500-599 are permanent: retrying the same message cannot succeed. */
export function isPermanentSmtpFailure(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * Creates a mailer that keeps up to five SMTP connections open and reuses
 * them (nodemailer's pool), so an email costs no TCP connect and greeting.
 * A `pool` parameter in the URL overrides this.
 */
export function createMailer(smtpUrl: string): Mailer {
  const transport = nodemailer.createTransport(withPoolByDefault(smtpUrl));
  return {
    async send(email) {
      const info = await transport.sendMail({
        from: email.from,
        to: email.to,
        replyTo: email.replyTo.length > 0 ? email.replyTo : undefined,
        subject: email.subject,
        html: email.html,
        text: email.text ?? undefined,
        messageId: email.messageId,
        headers: email.headers,
      });
      return { response: String(info.response ?? '') };
    },
    close() {
      transport.close();
    },
  };
}

function withPoolByDefault(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  return url.toString();
}
