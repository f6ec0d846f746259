/** Injection token of the `MailerOptions`. */
export const MAILER_OPTIONS = Symbol('MAILER_OPTIONS');

export interface MailerOptions {
  /**
   * `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start).
   * Unset: e-mails are written to the log instead, the safe default for development.
   */
  smtpUrl?: string;
  /** The From header, e.g. `ainfographic <no-reply@example.com>`. */
  from: string;
}
