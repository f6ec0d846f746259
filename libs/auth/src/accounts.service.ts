import { AppConfig } from '@app/config';
import { CreditsService } from '@app/credits';
import { User } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { ApiTokensService } from './api-tokens.service';
import { EmailTokenProblem, EmailTokensService } from './email-tokens.service';
import { PasswordProblem, passwordProblem } from './password-rules';
import { burnDummyHash, hashPassword, needsRehash, verifyPassword } from './passwords';
import { normaliseEmail } from './users.service';

/** A link to mail: whom to, and the single-use token it carries. */
export interface MailedLink {
  email: string;
  token: string;
}

/**
 * `created`: a new account, to confirm with the link. `exists`: the address already has an
 * account, whose owner is mailed a password-reset link instead (so the answer to the client, and
 * the work done, are the same either way).
 */
export type SignUpResult =
  | { problem: PasswordProblem }
  | ({ outcome: 'created' } & MailedLink)
  | ({ outcome: 'exists' } & MailedLink)
  | { outcome: 'ignored' };

export type SignInResult =
  { outcome: 'signed_in'; user: User } | { outcome: 'invalid' } | { outcome: 'unverified' };

export type LinkResult<T> = T | { problem: EmailTokenProblem };

interface AccountRow {
  id: string;
  password_hash: string | null;
  email_verified_at: Date | null;
}

/**
 * Self-service accounts: sign-up, e-mail verification (which grants the starter credits, once),
 * password sign-in and password reset. Sending the mails is the caller's (an adapter); every
 * method here only decides and stores, and hands back the links to mail.
 */
@Injectable()
export class AccountsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly tokens: ApiTokensService,
    private readonly emailTokens: EmailTokensService,
    private readonly credits: CreditsService,
  ) {}

  /**
   * Both outcomes do the same work (the password is hashed, one insert is tried, one link made)
   * so that neither the answer nor its timing tells whether the address has an account. The
   * password of an existing account is never changed here: only whoever reads its mail can.
   */
  async signUp(email: string, password: string): Promise<SignUpResult> {
    const address = normaliseEmail(email);
    const problem = passwordProblem(password, address);
    if (problem) {
      return { problem };
    }
    const hash = await hashPassword(password);
    const { accounts } = this.config;
    return this.dataSource.transaction(async (manager) => {
      const inserted = await manager.query<{ id: string }[]>(
        `INSERT INTO users (email, password_hash) VALUES ($1, $2)
         ON CONFLICT (email) DO NOTHING RETURNING id`,
        [address, hash],
      );
      if (inserted[0]) {
        const token = await this.emailTokens.issue(
          inserted[0].id,
          'verify_email',
          accounts.emailVerificationTtlMs,
          manager,
        );
        return { outcome: 'created', email: address, token };
      }
      const existing = await manager.query<{ id: string }[]>(
        `SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL`,
        [address],
      );
      if (!existing[0]) {
        // Only a deleted account's anonymised address (`…@deleted.invalid`) gets here.
        return { outcome: 'ignored' };
      }
      const token = await this.emailTokens.issue(
        existing[0].id,
        'reset_password',
        accounts.passwordResetTtlMs,
        manager,
      );
      return { outcome: 'exists', email: address, token };
    });
  }

  /**
   * Confirms the address behind a verification link. The first confirmation grants the starter
   * credits; the ledger's unique reference makes that once per user whatever else happens.
   */
  async verifyEmail(token: string): Promise<LinkResult<{ email: string }>> {
    return this.dataSource.transaction(async (manager) => {
      const used = await this.emailTokens.consume(token, 'verify_email', manager);
      if ('problem' in used) {
        return used;
      }
      const rows = await manager.query<{ email: string; newly_verified: boolean }[]>(
        `WITH verified AS (
           UPDATE users u SET email_verified_at = COALESCE(u.email_verified_at, now())
             FROM (SELECT id, email_verified_at IS NULL AS newly_verified
                     FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE) before
            WHERE u.id = before.id
            RETURNING u.email, before.newly_verified)
         SELECT email, newly_verified FROM verified`,
        [used.userId],
      );
      if (!rows[0]) {
        return { problem: 'link_invalid' };
      }
      if (rows[0].newly_verified) {
        await this.credits.grantStarterCredits(
          manager,
          used.userId,
          this.config.accounts.starterCredits,
        );
      }
      return { email: rows[0].email };
    });
  }

  /** A new verification link for an account still waiting for one; null for any other address. */
  async resendVerification(email: string): Promise<MailedLink | null> {
    const address = normaliseEmail(email);
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM users
        WHERE email = $1 AND deleted_at IS NULL AND email_verified_at IS NULL
          AND password_hash IS NOT NULL`,
      [address],
    );
    if (!rows[0]) {
      return null;
    }
    const token = await this.emailTokens.issue(
      rows[0].id,
      'verify_email',
      this.config.accounts.emailVerificationTtlMs,
    );
    return { email: address, token };
  }

  /**
   * Checks a password sign-in. An unknown address costs the same scrypt work as a wrong
   * password, and both answer `invalid`; only the right password learns that the address still
   * waits for verification. A hash made with older parameters is replaced on the way.
   */
  async signIn(email: string, password: string): Promise<SignInResult> {
    const row = await this.activeAccount(normaliseEmail(email));
    if (!row) {
      await burnDummyHash(password);
      return { outcome: 'invalid' };
    }
    if (!(await verifyPassword(password, row.password_hash))) {
      return { outcome: 'invalid' };
    }
    if (!row.email_verified_at) {
      return { outcome: 'unverified' };
    }
    if (row.password_hash && needsRehash(row.password_hash)) {
      await this.dataSource.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [
        row.id,
        await hashPassword(password),
      ]);
    }
    return { outcome: 'signed_in', user: await this.userById(row.id) };
  }

  /** A password-reset link for an account at this address; null when there is none. */
  async requestPasswordReset(email: string): Promise<MailedLink | null> {
    const address = normaliseEmail(email);
    const row = await this.activeAccount(address);
    if (!row) {
      return null;
    }
    const token = await this.emailTokens.issue(
      row.id,
      'reset_password',
      this.config.accounts.passwordResetTtlMs,
    );
    return { email: address, token };
  }

  /**
   * Sets a new password through a reset link, in one transaction: the link is used up (with
   * every other reset link of the account), the address counts as verified (reading the mail
   * proved it; the starter credits follow if this is its first verification), and every session
   * is revoked. API keys are kept: they are credentials the user made on purpose, listed and
   * revocable one by one, and scripts depend on them. The password is checked before the link
   * is used, so a refused password leaves the link working.
   */
  async resetPassword(
    token: string,
    password: string,
  ): Promise<LinkResult<{ email: string }> | { problem: PasswordProblem }> {
    const valid = await this.emailTokens.check(token, 'reset_password');
    if ('problem' in valid) {
      return valid;
    }
    const user = await this.dataSource.query<{ email: string }[]>(
      `SELECT email FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [valid.userId],
    );
    if (!user[0]) {
      return { problem: 'link_invalid' };
    }
    const problem = passwordProblem(password, user[0].email);
    if (problem) {
      return { problem };
    }
    const hash = await hashPassword(password);
    const outcome = await this.dataSource.transaction(async (manager) => {
      const used = await this.emailTokens.consume(token, 'reset_password', manager);
      if ('problem' in used) {
        return used;
      }
      const rows = await manager.query<{ email: string; newly_verified: boolean }[]>(
        `WITH reset AS (
           UPDATE users u
              SET password_hash = $2, email_verified_at = COALESCE(u.email_verified_at, now())
             FROM (SELECT id, email_verified_at IS NULL AS newly_verified
                     FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE) before
            WHERE u.id = before.id
            RETURNING u.email, before.newly_verified)
         SELECT email, newly_verified FROM reset`,
        [used.userId, hash],
      );
      if (!rows[0]) {
        return { problem: 'link_invalid' as const };
      }
      if (rows[0].newly_verified) {
        await this.credits.grantStarterCredits(
          manager,
          used.userId,
          this.config.accounts.starterCredits,
        );
      }
      await this.emailTokens.endAll(used.userId, 'reset_password', manager);
      await this.emailTokens.endAll(used.userId, 'verify_email', manager);
      const revoked = await this.tokens.revokeSessionsOf(used.userId, manager);
      return { email: rows[0].email, revoked };
    });
    if ('problem' in outcome) {
      return outcome;
    }
    this.tokens.forget(outcome.revoked);
    return { email: outcome.email };
  }

  /** Re-confirms the signed-in user's password (before deleting the account). */
  async passwordMatches(userId: string, password: string): Promise<boolean> {
    const rows = await this.dataSource.query<{ password_hash: string | null }[]>(
      `SELECT password_hash FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    return verifyPassword(password, rows[0]?.password_hash ?? null);
  }

  private async activeAccount(address: string): Promise<AccountRow | null> {
    const rows = await this.dataSource.query<AccountRow[]>(
      `SELECT id, password_hash, email_verified_at FROM users
        WHERE email = $1 AND deleted_at IS NULL`,
      [address],
    );
    return rows[0] ?? null;
  }

  private async userById(id: string): Promise<User> {
    return this.dataSource.manager.findOneByOrFail(User, { id });
  }
}
