import { ApiTokensService, UsersService } from '@app/auth';
import { CreditsService } from '@app/credits';
import type { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { type Command, UsageError, report } from './command';
import { email, wholeNumber } from './flags';
import { type UserView, userView } from './views';

export interface UserCreated {
  user: UserView;
  /** Shown once: only its hash is stored. */
  api_token: string;
}

export const formatUserCreated = ({ user, api_token }: UserCreated): string[] => [
  `Created user ${user.email} (${user.id}) with ${user.balance} credits.`,
  `API token (shown once): ${api_token}`,
];

export const formatUsers = ({ users }: { users: UserView[] }): string[] =>
  users.length === 0
    ? ['No users yet.']
    : [
        'id                                    balance  admin  email',
        ...users.map(
          (u) =>
            `${u.id}  ${String(u.balance).padStart(7)}  ${u.is_admin ? 'yes' : 'no '}    ${u.email}`,
        ),
      ];

export const userCreate: Command = {
  summary: 'Create a user with starting credits and print a new API token',
  usage: 'user:create --email <email> [--credits <n>] [--admin]',
  flags: { email: { type: 'string' }, credits: { type: 'string' }, admin: { type: 'boolean' } },
  prepare(flags) {
    const address = email(flags);
    const credits = wholeNumber(flags, 'credits', 0, 0);
    const isAdmin = flags.admin === true;
    return async (app) => {
      const dataSource = app.get<DataSource>(getDataSourceToken());
      const created = await dataSource.transaction(async (manager) => {
        const user = await app.get(UsersService).create(address, { isAdmin, manager });
        const balance =
          credits > 0
            ? await app
                .get(CreditsService)
                .grant(user.id, credits, { note: 'starting credits', manager })
            : 0;
        const { token } = await app.get(ApiTokensService).issue(user.id, { manager });
        return { user: userView({ ...user, balance }), api_token: token };
      });
      return report(created, formatUserCreated);
    };
  },
};

export const usersList: Command = {
  summary: 'List users with their balances',
  usage: 'users:list',
  flags: {},
  prepare: () => async (app) => {
    const users = await app.get(UsersService).list();
    return report({ users: users.map(userView) }, formatUsers);
  },
};

/** The user behind `--email`; an unknown one is an operator's mistake (exit 2). */
export async function userByEmail(app: INestApplicationContext, address: string) {
  const user = await app.get(UsersService).findByEmail(address);
  if (!user) {
    throw new UsageError(`No user with e-mail ${address}. Create one with user:create.`);
  }
  return user;
}
