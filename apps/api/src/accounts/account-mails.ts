import type { MailedLink } from '@app/auth';
import { AppConfig, PublicUrls } from '@app/config';
import { Mailer } from '@app/notifications';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';

/**
 * The accounts' e-mails, sent after the answer has gone (`later`): how long the SMTP server takes,
 * and whether there was anything to send, must not show in the answer's timing, or the timing
 * would tell who has an account. A failed send is logged (without the link, a credential) and
 * not retried: the user asks again (re-send, reset), which the answer tells them they can do.
 */
@Injectable()
export class AccountMails implements OnApplicationShutdown {
  private readonly logger = new Logger('AccountMails');
  private readonly urls: PublicUrls;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
  ) {
    this.urls = new PublicUrls(config.api.publicUrl);
  }

  /** Runs `work` once the current request has been answered; never throws. */
  later(what: string, work: () => Promise<void>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) =>
        this.logger.warn(
          `${what} failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      )
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  verification(link: MailedLink): Promise<void> {
    return this.mailer.sendVerifyEmail(link.email, {
      link: this.urls.verifyEmailLink(link.token),
      expiresInHours: Math.round(this.config.accounts.emailVerificationTtlMs / 3_600_000),
    });
  }

  accountExists(link: MailedLink): Promise<void> {
    return this.mailer.sendAccountExists(link.email, {
      resetLink: this.urls.passwordResetLink(link.token),
      expiresInMinutes: this.resetMinutes(),
    });
  }

  passwordReset(link: MailedLink): Promise<void> {
    return this.mailer.sendPasswordReset(link.email, {
      link: this.urls.passwordResetLink(link.token),
      expiresInMinutes: this.resetMinutes(),
    });
  }

  passwordChanged(email: string): Promise<void> {
    return this.mailer.sendPasswordChanged(email);
  }

  /** Lets the mails of requests already answered leave before the process stops. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private resetMinutes(): number {
    return Math.round(this.config.accounts.passwordResetTtlMs / 60_000);
  }
}
