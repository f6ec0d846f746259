import { randomUUID } from 'node:crypto';

import { ApiTokensService, UsersService } from '@app/auth';
import { CreditsService } from '@app/credits';
import type { User } from '@app/database';
import type { INestApplicationContext } from '@nestjs/common';

/** A new user with `credits` granted through the ledger, and a live API token. */
export async function aUserWithCredits(
  app: INestApplicationContext,
  credits: number,
  options: { isAdmin?: boolean } = {},
): Promise<{ user: User; token: string }> {
  const user = await app.get(UsersService).create(`user-${randomUUID()}@test.local`, options);
  if (credits > 0) {
    await app.get(CreditsService).grant(user.id, credits, { note: 'test credits' });
  }
  const { token } = await app.get(ApiTokensService).issue(user.id);
  return { user: { ...user, balance: credits }, token };
}
