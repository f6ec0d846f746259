import { CreditsService, checkLedger } from '@app/credits';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { type Command, report } from './command';
import { optionalString, requireString, signedWholeNumber, wholeNumber } from './flags';
import { userByEmail } from './user-commands';
import { type UserRef, userRef } from './views';

export interface BalanceChange {
  user: UserRef;
  /** Signed: what was added to the balance. */
  amount: number;
  note: string;
  balance: number;
}

export interface LedgerCheck {
  ok: boolean;
  problems: {
    user_id: string | null;
    infograph_id: string | null;
    purchase_id?: string | null;
    payment_reference?: string | null;
    problem: string;
  }[];
}

export const formatGranted = ({ user, amount, balance }: BalanceChange): string[] => [
  `Granted ${amount} credits to ${user.email}; balance is now ${balance}.`,
];

export const formatAdjusted = ({ user, amount, balance }: BalanceChange): string[] => [
  `Adjusted ${user.email} by ${amount > 0 ? `+${amount}` : amount} credits; balance is now ${balance}.`,
];

export const formatLedgerCheck = ({ ok, problems }: LedgerCheck): string[] =>
  ok ? ['Ledger check passed.'] : problems.map((p) => `${problemSubject(p)}: ${p.problem}`);

function problemSubject(p: LedgerCheck['problems'][number]): string {
  if (p.user_id) {
    return `user ${p.user_id}`;
  }
  if (p.purchase_id) {
    return `purchase ${p.purchase_id}`;
  }
  if (p.payment_reference) {
    return `payment ${p.payment_reference}`;
  }
  return `infograph ${p.infograph_id}`;
}

export const creditsGrant: Command = {
  summary: 'Grant credits to a user (writes a ledger entry)',
  usage: 'credits:grant --email <email> --amount <n> [--note <text>]',
  flags: { email: { type: 'string' }, amount: { type: 'string' }, note: { type: 'string' } },
  prepare(flags) {
    const address = requireString(flags, 'email');
    const amount = wholeNumber(flags, 'amount', 1);
    const note = optionalString(flags, 'note', 'granted by CLI');
    return async (app) => {
      const user = await userByEmail(app, address);
      const balance = await app.get(CreditsService).grant(user.id, amount, { note });
      return report({ user: userRef(user), amount, note, balance }, formatGranted);
    };
  },
};

export const creditsAdjust: Command = {
  summary: 'Correct a balance up or down, saying why (writes a ledger entry)',
  usage: 'credits:adjust --email <email> --amount <+n|-n> --note <why>',
  flags: { email: { type: 'string' }, amount: { type: 'string' }, note: { type: 'string' } },
  prepare(flags) {
    const address = requireString(flags, 'email');
    const amount = signedWholeNumber(flags, 'amount');
    // A correction nobody can explain later is worse than none: the note is the audit trail.
    const note = requireString(flags, 'note');
    return async (app) => {
      const user = await userByEmail(app, address);
      const balance = await app.get(CreditsService).adjust(user.id, amount, note);
      return report({ user: userRef(user), amount, note, balance }, formatAdjusted);
    };
  },
};

export const creditsCheck: Command = {
  summary:
    'Verify balance = sum(ledger) for every user, one full refund per failed infograph, one grant per paid purchase',
  usage: 'credits:check',
  flags: {},
  prepare: () => async (app) => {
    const problems = await checkLedger(app.get<DataSource>(getDataSourceToken()));
    const check: LedgerCheck = {
      ok: problems.length === 0,
      problems: problems.map((p) => ({
        user_id: p.userId ?? null,
        infograph_id: p.infographId ?? null,
        purchase_id: p.purchaseId ?? null,
        payment_reference: p.paymentReference ?? null,
        problem: p.problem,
      })),
    };
    return report(check, formatLedgerCheck, check.ok ? 0 : 1);
  },
};
