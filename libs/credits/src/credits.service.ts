import { CreditLedgerEntry, LedgerReason, User } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** Thrown when a charge would take the balance below zero; mapped to 402 by the api. */
export class InsufficientCreditsError extends Error {
  constructor(
    readonly balance: number,
    readonly cost: number,
  ) {
    super(`Not enough credits: this request costs ${cost} and your balance is ${balance}.`);
  }
}

/** Thrown when a correction would take the balance below zero; nothing is written. */
export class NegativeBalanceError extends Error {
  constructor(
    readonly balance: number,
    readonly delta: number,
  ) {
    super(
      `Cannot take ${-delta} credits: the balance is ${balance}, and a balance cannot go below zero.`,
    );
  }
}

export class UnknownUserError extends Error {
  constructor(userId: string) {
    super(`No user with id ${userId}.`);
  }
}

/**
 * Grants, adjustments and refunds: one ledger row and the matching balance change in the same transaction, so
 * `balance = sum(ledger)` always holds. (The charge is part of the create statement, in
 * libs/infographs, so that it costs one round trip.)
 */
@Injectable()
export class CreditsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Adds credits (a grant). Runs in `manager`'s transaction when given one. Purchases go through
   * `grantPurchase`, which ties the entry to its purchase.
   */
  async grant(
    userId: string,
    amount: number,
    options: {
      reason?: Extract<LedgerReason, 'grant'>;
      note?: string;
      manager?: EntityManager;
    } = {},
  ): Promise<number> {
    if (!Number.isInteger(amount) || amount <= 0) {
      throw new RangeError('A grant must be a positive whole number of credits.');
    }
    const run = (m: EntityManager) =>
      this.applyEntry(m, userId, amount, options.reason ?? 'grant', { note: options.note });
    return options.manager ? run(options.manager) : this.dataSource.transaction(run);
  }

  /**
   * An operator's correction, either sign, with a required note saying why. Like every change it
   * is a conditional balance update and one ledger entry in one transaction; a negative one that
   * would take the balance below zero changes nothing and throws NegativeBalanceError.
   */
  async adjust(userId: string, delta: number, note: string): Promise<number> {
    if (!Number.isInteger(delta) || delta === 0) {
      throw new RangeError('An adjustment must be a non-zero whole number of credits.');
    }
    if (note.trim() === '') {
      throw new RangeError('An adjustment needs a note saying why.');
    }
    return this.dataSource.transaction((m) =>
      this.applyEntry(m, userId, delta, 'adjustment', { note: note.trim() }),
    );
  }

  /**
   * Gives back what one infograph cost, at most once ever: the partial unique index
   * `uq_ledger_refund_per_infograph` turns a second attempt into a no-op. Returns whether this
   * call was the one that refunded.
   */
  async refund(
    manager: EntityManager,
    infograph: { id: string; userId: string; creditsCharged: number },
    note: string,
  ): Promise<boolean> {
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO credit_ledger (user_id, amount, reason, infograph_id, note)
       VALUES ($1, $2, 'refund', $3, $4)
       ON CONFLICT (infograph_id) WHERE reason = 'refund' DO NOTHING
       RETURNING id`,
      [infograph.userId, infograph.creditsCharged, infograph.id, note],
    );
    if (inserted.length === 0) {
      return false;
    }
    await addToBalance(manager, infograph.userId, infograph.creditsCharged);
    return true;
  }

  /**
   * Credits a paid purchase, at most once ever: its entry's reference `purchase:<id>` is unique
   * (`uq_credit_ledger_reference`), so a second attempt (a duplicate or concurrent delivery of
   * Stripe's event, a retry after a crash) inserts nothing. Returns whether this call granted.
   */
  async grantPurchase(
    manager: EntityManager,
    purchase: { id: string; userId: string; credits: number; packName: string },
  ): Promise<boolean> {
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO credit_ledger (user_id, amount, reason, purchase_id, reference, note)
       VALUES ($1, $2, 'purchase', $3, $4, $5)
       ON CONFLICT (reference) WHERE reference IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        purchase.userId,
        purchase.credits,
        purchase.id,
        `purchase:${purchase.id}`,
        purchase.packName,
      ],
    );
    if (inserted.length === 0) {
      return false;
    }
    await addToBalance(manager, purchase.userId, purchase.credits);
    return true;
  }

  /**
   * Takes back up to `upTo` credits of a purchase (a refund or dispute of its payment), but never
   * more than the balance holds: what was spent stays spent, and the caller flags it. Once per
   * `reference` (unique like a grant's). Returns the credits taken, 0 when none were left or the
   * reference was already used. Locks the user's row, so concurrent charges cannot race it.
   */
  async clawBack(
    manager: EntityManager,
    clawback: { userId: string; purchaseId: string; upTo: number; reference: string; note: string },
  ): Promise<number> {
    const rows = await manager.query<{ balance: number }[]>(
      `SELECT balance FROM users WHERE id = $1 FOR UPDATE`,
      [clawback.userId],
    );
    if (rows.length === 0) {
      throw new UnknownUserError(clawback.userId);
    }
    const take = Math.min(clawback.upTo, rows[0].balance);
    if (take <= 0) {
      return 0;
    }
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO credit_ledger (user_id, amount, reason, purchase_id, reference, note)
       VALUES ($1, $2, 'clawback', $3, $4, $5)
       ON CONFLICT (reference) WHERE reference IS NOT NULL DO NOTHING
       RETURNING id`,
      [clawback.userId, -take, clawback.purchaseId, clawback.reference, clawback.note],
    );
    if (inserted.length === 0) {
      return 0;
    }
    await addToBalance(manager, clawback.userId, -take);
    return take;
  }

  /**
   * The starter credits of a self-service account, at most once ever per user: the entry's
   * reference `starter:<user id>` is unique (`uq_credit_ledger_reference`), so a second attempt
   * (a second verification, a password reset, a race between them) inserts nothing. Returns
   * whether this call granted.
   */
  async grantStarterCredits(
    manager: EntityManager,
    userId: string,
    amount: number,
  ): Promise<boolean> {
    if (!Number.isInteger(amount) || amount <= 0) {
      return false;
    }
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO credit_ledger (user_id, amount, reason, reference, note)
       VALUES ($1, $2, 'grant', $3, 'starter credits')
       ON CONFLICT (reference) WHERE reference IS NOT NULL DO NOTHING
       RETURNING id`,
      [userId, amount, `starter:${userId}`],
    );
    if (inserted.length === 0) {
      return false;
    }
    await addToBalance(manager, userId, amount);
    return true;
  }

  /**
   * The ledger side of deleting an account, in the caller's transaction: the entries stay (the
   * accounts must still add up, and they are the record of what was paid and given), but what is
   * left of the balance is forfeited by one `adjustment` entry, so the closed account owes and is
   * owed nothing, and the refunds' notes, which quote failure messages (a blog URL, say), are
   * cleared. Returns the credits forfeited.
   */
  async closeAccount(manager: EntityManager, userId: string): Promise<number> {
    await manager.query(
      `UPDATE credit_ledger SET note = NULL WHERE user_id = $1 AND reason = 'refund'`,
      [userId],
    );
    const rows = await manager.query<{ balance: number }[]>(
      `SELECT balance FROM users WHERE id = $1 FOR UPDATE`,
      [userId],
    );
    const balance = rows[0]?.balance ?? 0;
    if (balance > 0) {
      await this.applyEntry(manager, userId, -balance, 'adjustment', {
        note: 'account deleted: remaining credits forfeited',
      });
    }
    return balance;
  }

  async balanceOf(userId: string): Promise<number> {
    const user = await this.dataSource.manager.findOneBy(User, { id: userId });
    if (!user) {
      throw new UnknownUserError(userId);
    }
    return user.balance;
  }

  recentEntries(userId: string, limit = 20): Promise<CreditLedgerEntry[]> {
    return this.dataSource.manager.find(CreditLedgerEntry, {
      where: { userId },
      order: { createdAt: 'DESC' },
      take: limit,
    });
  }

  private async applyEntry(
    manager: EntityManager,
    userId: string,
    amount: number,
    reason: LedgerReason,
    extra: { note?: string },
  ): Promise<number> {
    const rows = await addToBalance(manager, userId, amount);
    if (rows.length === 0) {
      const user = await manager.findOneBy(User, { id: userId });
      throw user ? new NegativeBalanceError(user.balance, amount) : new UnknownUserError(userId);
    }
    await manager.insert(CreditLedgerEntry, { userId, amount, reason, note: extra.note ?? null });
    return rows[0].balance;
  }
}

/**
 * Adds `delta` to a balance unless that would take it below zero, and returns the new balance (no
 * row when the user is unknown or the balance too low). The condition makes "too low" a clear
 * error for the caller instead of a `ck_users_balance_non_negative` violation, and, being part of
 * the update, holds under concurrent charges.
 */
async function addToBalance(
  manager: EntityManager,
  userId: string,
  delta: number,
): Promise<{ balance: number }[]> {
  const query = manager
    .createQueryBuilder()
    .update(User)
    .set({ balance: () => 'balance + :delta' })
    .setParameter('delta', delta)
    .where('id = :userId', { userId })
    .andWhere('balance + :delta >= 0');
  const result = await query.returning('balance').execute();
  return result.raw as { balance: number }[];
}
