import { ApiTokensService, UsersService } from '@app/auth';
import { CreditsService, checkLedger } from '@app/credits';
import type { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import type { DataSource } from 'typeorm';

/** A CLI mistake: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

export type Flags = Record<string, string | boolean | undefined>;
type Print = (line: string) => void;

export interface Command {
  summary: string;
  usage: string;
  flags: Record<string, { type: 'string' | 'boolean' }>;
  run(app: INestApplicationContext, flags: Flags, print: Print): Promise<number>;
}

function requireString(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UsageError(`--${name} is required.`);
  }
  return value.trim();
}

/** A whole-number flag of at least `min`; `fallback` when the flag is absent (required without one). */
function wholeNumber(flags: Flags, name: string, min: number, fallback?: number): number {
  const raw = flags[name];
  if (raw === undefined && fallback !== undefined) {
    return fallback;
  }
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < min) {
    throw new UsageError(`--${name} must be a whole number of ${min} or more.`);
  }
  return Number(raw);
}

async function userByEmail(app: INestApplicationContext, email: string) {
  const user = await app.get(UsersService).findByEmail(email);
  if (!user) {
    throw new UsageError(`No user with e-mail ${email}. Create one with user:create.`);
  }
  return user;
}

export const COMMANDS: Record<string, Command> = {
  'user:create': {
    summary: 'Create a user with starting credits and print a new API token',
    usage: 'user:create --email <email> [--credits <n>] [--admin]',
    flags: { email: { type: 'string' }, credits: { type: 'string' }, admin: { type: 'boolean' } },
    async run(app, flags, print) {
      const email = requireString(flags, 'email');
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
        throw new UsageError(`--email ${email} is not an e-mail address.`);
      }
      const credits = wholeNumber(flags, 'credits', 0, 0);
      const dataSource = app.get<DataSource>(getDataSourceToken());
      const { user, token } = await dataSource.transaction(async (manager) => {
        const user = await app
          .get(UsersService)
          .create(email, { isAdmin: flags.admin === true, manager });
        if (credits > 0) {
          await app
            .get(CreditsService)
            .grant(user.id, credits, { note: 'starting credits', manager });
        }
        const { token } = await app.get(ApiTokensService).issue(user.id, { manager });
        return { user, token };
      });
      print(`Created user ${user.email} (${user.id}) with ${credits} credits.`);
      print(`API token (shown once): ${token}`);
      return 0;
    },
  },
  'token:create': {
    summary: 'Create another API token for a user',
    usage: 'token:create --email <email> [--name <label>]',
    flags: { email: { type: 'string' }, name: { type: 'string' } },
    async run(app, flags, print) {
      const user = await userByEmail(app, requireString(flags, 'email'));
      const name = typeof flags.name === 'string' ? flags.name : 'default';
      const { token, record } = await app.get(ApiTokensService).issue(user.id, { name });
      print(`Token ${record.id} (${name}) for ${user.email}.`);
      print(`API token (shown once): ${token}`);
      return 0;
    },
  },
  'token:list': {
    summary: "List a user's tokens (prefix, name, state)",
    usage: 'token:list --email <email>',
    flags: { email: { type: 'string' } },
    async run(app, flags, print) {
      const user = await userByEmail(app, requireString(flags, 'email'));
      for (const t of await app.get(ApiTokensService).listForUser(user.id)) {
        const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'active';
        print(`${t.id}  ${t.tokenPrefix}…  ${t.name}  ${state}`);
      }
      return 0;
    },
  },
  'token:revoke': {
    summary: 'Revoke a token by its id (see token:list)',
    usage: 'token:revoke --id <token id>',
    flags: { id: { type: 'string' } },
    async run(app, flags, print) {
      const id = requireString(flags, 'id');
      if (!isUUID(id)) {
        throw new UsageError(`--id ${id} is not a token id (a UUID; see token:list).`);
      }
      const revoked = await app.get(ApiTokensService).revoke(id);
      print(revoked ? `Revoked token ${id}.` : `No active token with id ${id}.`);
      return revoked ? 0 : 1;
    },
  },
  'credits:grant': {
    summary: 'Grant credits to a user (writes a ledger entry)',
    usage: 'credits:grant --email <email> --amount <n> [--note <text>]',
    flags: { email: { type: 'string' }, amount: { type: 'string' }, note: { type: 'string' } },
    async run(app, flags, print) {
      const user = await userByEmail(app, requireString(flags, 'email'));
      const amount = wholeNumber(flags, 'amount', 1);
      const note = typeof flags.note === 'string' ? flags.note : 'granted by CLI';
      const balance = await app.get(CreditsService).grant(user.id, amount, { note });
      print(`Granted ${amount} credits to ${user.email}; balance is now ${balance}.`);
      return 0;
    },
  },
  'users:list': {
    summary: 'List users with their balances',
    usage: 'users:list',
    flags: {},
    async run(app, _flags, print) {
      const users = await app.get(UsersService).list();
      print(
        users.length
          ? 'id                                    balance  admin  email'
          : 'No users yet.',
      );
      for (const u of users) {
        print(
          `${u.id}  ${String(u.balance).padStart(7)}  ${u.isAdmin ? 'yes' : 'no '}    ${u.email}`,
        );
      }
      return 0;
    },
  },
  'credits:check': {
    summary: 'Verify balance = sum(ledger) for every user and one refund per failed infograph',
    usage: 'credits:check',
    flags: {},
    async run(app, _flags, print) {
      const problems = await checkLedger(app.get<DataSource>(getDataSourceToken()));
      if (problems.length === 0) {
        print('Ledger check passed.');
        return 0;
      }
      for (const p of problems) {
        print(`${p.userId ? `user ${p.userId}` : `infograph ${p.infographId}`}: ${p.problem}`);
      }
      return 1;
    },
  },
};
