import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Transporter, createTransport } from 'nodemailer';

import {
  AccountExistsMail,
  InfographFailedMail,
  InfographReadyMail,
  MailContent,
  PasswordResetMail,
  VerifyEmailMail,
  WebhookEndpointDisabledMail,
  accountExistsMail,
  infographFailedMail,
  infographReadyMail,
  passwordChangedMail,
  passwordResetMail,
  verifyEmailMail,
  webhookEndpointDisabledMail,
} from './mail-templates';
import { MAILER_OPTIONS, MailerOptions } from './mailer.options';

/**
 * nodemailer waits minutes by default; a notify job should fail and retry well before its lock
 * expires, so every phase of the SMTP conversation is bounded.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Sends the product's e-mails over SMTP when `smtpUrl` is set, otherwise writes them to the log.
 * Errors are thrown as they come (nothing is classified here), so the notify job retries.
 */
@Injectable()
export class Mailer implements OnApplicationShutdown {
  private readonly logger = new Logger(Mailer.name);
  private readonly transporter?: Transporter;

  constructor(@Inject(MAILER_OPTIONS) private readonly options: MailerOptions) {
    if (options.smtpUrl) {
      this.transporter = createTransport({ url: options.smtpUrl, ...SMTP_TIMEOUTS });
    }
  }

  /** 'smtp' or 'log': which transport this instance uses (for start-up logs and tests). */
  get transport(): 'smtp' | 'log' {
    return this.transporter ? 'smtp' : 'log';
  }

  sendInfographReady(to: string, mail: InfographReadyMail): Promise<void> {
    return this.send(to, infographReadyMail(mail), unsubscribeHeaders(mail.unsubscribeUrl));
  }

  sendInfographFailed(to: string, mail: InfographFailedMail): Promise<void> {
    return this.send(to, infographFailedMail(mail), unsubscribeHeaders(mail.unsubscribeUrl));
  }

  sendVerifyEmail(to: string, mail: VerifyEmailMail): Promise<void> {
    return this.send(to, verifyEmailMail(mail));
  }

  sendAccountExists(to: string, mail: AccountExistsMail): Promise<void> {
    return this.send(to, accountExistsMail(mail));
  }

  sendPasswordReset(to: string, mail: PasswordResetMail): Promise<void> {
    return this.send(to, passwordResetMail(mail));
  }

  sendPasswordChanged(to: string): Promise<void> {
    return this.send(to, passwordChangedMail());
  }

  sendWebhookEndpointDisabled(to: string, mail: WebhookEndpointDisabledMail): Promise<void> {
    return this.send(to, webhookEndpointDisabledMail(mail));
  }

  onApplicationShutdown(): void {
    this.transporter?.close();
  }

  private async send(
    to: string,
    content: MailContent,
    headers: Record<string, string> = {},
  ): Promise<void> {
    if (!this.transporter) {
      this.logger.log(
        `e-mail (log transport, SMTP not configured) to=${to} subject="${content.subject}"\n${content.text}`,
      );
      return;
    }
    await this.transporter.sendMail({
      from: this.options.from,
      to,
      subject: content.subject,
      text: content.text,
      html: content.html,
      headers,
    });
  }
}

/**
 * RFC 8058 one-click unsubscribe: mail clients show an "Unsubscribe" button that POSTs
 * `List-Unsubscribe=One-Click` to the URL (the api answers that POST without a session).
 */
function unsubscribeHeaders(url: string | undefined): Record<string, string> {
  return url
    ? { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
    : {};
}
