import { ApiTokensService } from '@app/auth';
import { isUUID } from 'class-validator';

import { type Command, UsageError, report } from './command';
import { optionalString, requireString } from './flags';
import { userByEmail } from './user-commands';
import { type TokenView, type UserRef, tokenView, userRef } from './views';

export interface TokenCreated {
  user: UserRef;
  token: TokenView;
  /** Shown once: only its hash is stored. */
  api_token: string;
}

export const formatTokenCreated = ({ user, token, api_token }: TokenCreated): string[] => [
  `Token ${token.id} (${token.name}) for ${user.email}.`,
  `API token (shown once): ${api_token}`,
];

export const formatTokens = ({ tokens }: { user: UserRef; tokens: TokenView[] }): string[] =>
  tokens.map(
    (t) =>
      `${t.id}  ${t.prefix}…  ${t.name}  ${t.revoked_at ? `revoked ${t.revoked_at}` : 'active'}`,
  );

export const formatRevoked = ({ token_id, revoked }: { token_id: string; revoked: boolean }) => [
  revoked ? `Revoked token ${token_id}.` : `No active token with id ${token_id}.`,
];

export const tokenCreate: Command = {
  summary: 'Create another API token for a user',
  usage: 'token:create --email <email> [--name <label>]',
  flags: { email: { type: 'string' }, name: { type: 'string' } },
  prepare(flags) {
    const address = requireString(flags, 'email');
    const name = optionalString(flags, 'name', 'default');
    return async (app) => {
      const user = await userByEmail(app, address);
      const { token, record } = await app.get(ApiTokensService).issue(user.id, { name });
      return report(
        { user: userRef(user), token: tokenView(record), api_token: token },
        formatTokenCreated,
      );
    };
  },
};

export const tokenList: Command = {
  summary: "List a user's tokens (prefix, name, state)",
  usage: 'token:list --email <email>',
  flags: { email: { type: 'string' } },
  prepare(flags) {
    const address = requireString(flags, 'email');
    return async (app) => {
      const user = await userByEmail(app, address);
      const tokens = await app.get(ApiTokensService).listForUser(user.id);
      return report({ user: userRef(user), tokens: tokens.map(tokenView) }, formatTokens);
    };
  },
};

export const tokenRevoke: Command = {
  summary: 'Revoke a token by its id (see token:list)',
  usage: 'token:revoke --id <token id>',
  flags: { id: { type: 'string' } },
  prepare(flags) {
    const id = requireString(flags, 'id');
    if (!isUUID(id)) {
      throw new UsageError(`--id ${id} is not a token id (a UUID; see token:list).`);
    }
    return async (app) => {
      const revoked = await app.get(ApiTokensService).revoke(id);
      return report({ token_id: id, revoked }, formatRevoked, revoked ? 0 : 1);
    };
  },
};
