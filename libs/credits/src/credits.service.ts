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

  /** Adds credits (grant or purchase). Runs in `manager`'s transaction when given one. */
  async grant(
    userId: string,
    amount: number,
    options: {
      reason?: Extract<LedgerReason, 'grant' | 'purchase'>;
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
