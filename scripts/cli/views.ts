import type { ApiToken, User } from '@app/database';

// The --json shapes: snake_case, ISO dates, like the HTTP API's bodies.

export interface UserRef {
  id: string;
  email: string;
}

export interface UserView extends UserRef {
  balance: number;
  is_admin: boolean;
  created_at: string;
}

export interface TokenView {
  id: string;
  name: string;
  /** The first characters of the token, to tell tokens apart; never the token itself. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

export const userRef = (u: Pick<User, 'id' | 'email'>): UserRef => ({ id: u.id, email: u.email });

export const userView = (u: User): UserView => ({
  id: u.id,
  email: u.email,
  balance: u.balance,
  is_admin: u.isAdmin,
  created_at: u.createdAt.toISOString(),
});

export const tokenView = (t: ApiToken): TokenView => ({
  id: t.id,
  name: t.name,
  prefix: t.tokenPrefix,
  created_at: t.createdAt.toISOString(),
  revoked_at: t.revokedAt?.toISOString() ?? null,
});
