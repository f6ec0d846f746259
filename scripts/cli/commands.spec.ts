import { ApiTokensService, UsersService } from '@app/auth';
import { AppConfig, loadConfig } from '@app/config';
import { CreditsService } from '@app/credits';
import type { ApiToken, User } from '@app/database';
import type { INestApplicationContext } from '@nestjs/common';

import { UsageError } from './command';
import { COMMANDS } from './commands';
import { formatAdjusted, formatGranted, formatLedgerCheck } from './credit-commands';
import { formatRevoked, formatTokenCreated, formatTokens } from './token-commands';
import { formatUserCreated, formatUsers } from './user-commands';
import { tokenView, userView } from './views';

const ada: User = {
  id: '0b6f5c1e-3a39-4c53-9d55-2f6b0b0e8c11',
  email: 'ada@example.com',
  balance: 8,
  isAdmin: false,
  createdAt: new Date('2026-11-29T10:00:00.000Z'),
  passwordHash: null,
  emailVerifiedAt: new Date('2026-11-29T10:00:00.000Z'),
  deletedAt: null,
  notifyEmail: true,
  notifyPush: true,
};

const laptop: ApiToken = {
  id: '7d1f0a52-95a4-4f0e-8f3e-1c1b8a0c2d33',
  userId: ada.id,
  tokenHash: 'h'.repeat(64),
  tokenPrefix: 'aig_abcdefgh',
  name: 'laptop',
  createdAt: new Date('2026-11-29T11:00:00.000Z'),
  lastUsedAt: null,
  revokedAt: null,
  kind: 'api_key',
  expiresAt: null,
};

describe('text output (what the e2e test and operators read)', () => {
  it('user:create', () => {
    expect(formatUserCreated({ user: userView(ada), api_token: 'aig_secret' })).toEqual([
      'Created user ada@example.com (0b6f5c1e-3a39-4c53-9d55-2f6b0b0e8c11) with 8 credits.',
      'API token (shown once): aig_secret',
    ]);
  });

  it('users:list, aligned, and when empty', () => {
    const admin = userView({ ...ada, email: 'root@example.com', balance: 1234567, isAdmin: true });
    expect(formatUsers({ users: [userView(ada), admin] })).toEqual([
      'id                                    balance  admin  email',
      '0b6f5c1e-3a39-4c53-9d55-2f6b0b0e8c11        8  no     ada@example.com',
      '0b6f5c1e-3a39-4c53-9d55-2f6b0b0e8c11  1234567  yes    root@example.com',
    ]);
    expect(formatUsers({ users: [] })).toEqual(['No users yet.']);
  });

  it('token:create, token:list and token:revoke', () => {
    const user = { id: ada.id, email: ada.email };
    expect(formatTokenCreated({ user, token: tokenView(laptop), api_token: 'aig_x' })).toEqual([
      'Token 7d1f0a52-95a4-4f0e-8f3e-1c1b8a0c2d33 (laptop) for ada@example.com.',
      'API token (shown once): aig_x',
    ]);
    const revoked = tokenView({ ...laptop, revokedAt: new Date('2026-11-29T12:00:00.000Z') });
    expect(formatTokens({ user, tokens: [tokenView(laptop), revoked] })).toEqual([
      '7d1f0a52-95a4-4f0e-8f3e-1c1b8a0c2d33  aig_abcdefgh…  laptop  active',
      '7d1f0a52-95a4-4f0e-8f3e-1c1b8a0c2d33  aig_abcdefgh…  laptop  revoked 2026-11-29T12:00:00.000Z',
    ]);
    expect(formatRevoked({ token_id: 'x', revoked: true })).toEqual(['Revoked token x.']);
    expect(formatRevoked({ token_id: 'x', revoked: false })).toEqual([
      'No active token with id x.',
    ]);
  });

  it('credits:grant and credits:adjust show the sign and the new balance', () => {
    const user = { id: ada.id, email: ada.email };
    expect(formatGranted({ user, amount: 3, note: 'promo', balance: 8 })).toEqual([
      'Granted 3 credits to ada@example.com; balance is now 8.',
    ]);
    expect(formatAdjusted({ user, amount: 3, note: 'n', balance: 11 })).toEqual([
      'Adjusted ada@example.com by +3 credits; balance is now 11.',
    ]);
    expect(formatAdjusted({ user, amount: -5, note: 'n', balance: 3 })).toEqual([
      'Adjusted ada@example.com by -5 credits; balance is now 3.',
    ]);
  });

  it('credits:check, passed and with problems', () => {
    expect(formatLedgerCheck({ ok: true, problems: [] })).toEqual(['Ledger check passed.']);
    expect(
      formatLedgerCheck({
        ok: false,
        problems: [
          { user_id: 'u1', infograph_id: null, problem: 'balance 5 but ledger sums to 3' },
          { user_id: null, infograph_id: 'i1', problem: 'failed infograph has 0 refund(s)' },
          {
            user_id: null,
            infograph_id: null,
            purchase_id: 'p1',
            problem: 'paid purchase has 0 grant(s), expected 1',
          },
          {
            user_id: null,
            infograph_id: null,
            payment_reference: 'cs_test_1',
            problem: 'Stripe payment cs_test_1 was granted 2 times, expected once',
          },
        ],
      }),
    ).toEqual([
      'user u1: balance 5 but ledger sums to 3',
      'infograph i1: failed infograph has 0 refund(s)',
      'purchase p1: paid purchase has 0 grant(s), expected 1',
      'payment cs_test_1: Stripe payment cs_test_1 was granted 2 times, expected once',
    ]);
  });
});

describe('JSON views', () => {
  it('users: snake_case with ISO dates, like the HTTP API', () => {
    expect(userView(ada)).toEqual({
      id: ada.id,
      email: 'ada@example.com',
      balance: 8,
      is_admin: false,
      created_at: '2026-11-29T10:00:00.000Z',
    });
  });

  it('tokens: the prefix, never the hash', () => {
    const view = tokenView(laptop);
    expect(view).toEqual({
      id: laptop.id,
      name: 'laptop',
      prefix: 'aig_abcdefgh',
      created_at: '2026-11-29T11:00:00.000Z',
      revoked_at: null,
    });
    expect(JSON.stringify(view)).not.toContain(laptop.tokenHash);
  });
});

describe('commands against stand-in services', () => {
  /** An application context whose get() hands out the given stand-ins by class. */
  function appWith(services: Map<unknown, unknown>): INestApplicationContext {
    return { get: (token: unknown) => services.get(token) } as unknown as INestApplicationContext;
  }

  const users = { findByEmail: jest.fn((email: string) => (email === ada.email ? ada : null)) };

  it('credits:adjust passes the signed amount and the note, and reports the new balance', async () => {
    const adjust = jest.fn().mockResolvedValue(3);
    const app = appWith(
      new Map<unknown, unknown>([
        [UsersService, users],
        [CreditsService, { adjust }],
      ]),
    );
    const work = COMMANDS['credits:adjust'].prepare({
      email: 'ada@example.com',
      amount: '-5',
      note: ' duplicate grant ',
    });
    const result = await work(app);
    expect(adjust).toHaveBeenCalledWith(ada.id, -5, 'duplicate grant');
    expect(result).toEqual({
      data: {
        user: { id: ada.id, email: 'ada@example.com' },
        amount: -5,
        note: 'duplicate grant',
        balance: 3,
      },
      text: ['Adjusted ada@example.com by -5 credits; balance is now 3.'],
      exitCode: 0,
    });
  });

  it('an unknown e-mail is a usage mistake that names it', async () => {
    const app = appWith(new Map<unknown, unknown>([[UsersService, users]]));
    const work = COMMANDS['credits:adjust'].prepare({
      email: 'ghost@example.com',
      amount: '1',
      note: 'n',
    });
    await expect(work(app)).rejects.toThrow(
      'No user with e-mail ghost@example.com. Create one with user:create.',
    );
  });

  it('token:revoke exits 1 when there was nothing to revoke', async () => {
    const revoke = jest.fn().mockResolvedValue(false);
    const app = appWith(new Map<unknown, unknown>([[ApiTokensService, { revoke }]]));
    const result = await COMMANDS['token:revoke'].prepare({ id: laptop.id })(app);
    expect(revoke).toHaveBeenCalledWith(laptop.id);
    expect(result.exitCode).toBe(1);
    expect(result.data).toEqual({ token_id: laptop.id, revoked: false });
  });

  it('fal:smoke with a real FAL_KEY needs --webhook-url, and says how, before submitting', async () => {
    const config = loadConfig({
      FAL_KEY: 'key-1234567890',
      FAL_WEBHOOK_USER_ID: 'fal-user-42',
      PUBLIC_API_URL: 'https://api.example.com',
    });
    const app = appWith(new Map<unknown, unknown>([[AppConfig, config]]));
    const work = COMMANDS['fal:smoke'].prepare({ listen: '8787' });
    const refusal = work(app);
    await expect(refusal).rejects.toBeInstanceOf(UsageError);
    await expect(refusal).rejects.toThrow(/expose --listen <port> .*--webhook-url/);
  });

  it('token:list lists through the user found by e-mail', async () => {
    const listForUser = jest.fn().mockResolvedValue([laptop]);
    const app = appWith(
      new Map<unknown, unknown>([
        [UsersService, users],
        [ApiTokensService, { listForUser }],
      ]),
    );
    const result = await COMMANDS['token:list'].prepare({ email: 'ada@example.com' })(app);
    expect(listForUser).toHaveBeenCalledWith(ada.id);
    expect(result.data).toEqual({
      user: { id: ada.id, email: ada.email },
      tokens: [tokenView(laptop)],
    });
  });
});
