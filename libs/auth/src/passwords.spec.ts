import { scryptSync } from 'node:crypto';

import {
  CURRENT_SCRYPT_PARAMS,
  burnDummyHash,
  hashPassword,
  needsRehash,
  verifyPassword,
} from './passwords';

/** Cheap parameters for the tests that are about the format, not the cost. */
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('uses scrypt with N=2^15, r=8, p=1 and says so in the stored string', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(CURRENT_SCRYPT_PARAMS).toEqual({ N: 32768, r: 8, p: 1 });
  });

  it('stores exactly scrypt(password, salt) under the named parameters', async () => {
    const stored = await hashPassword('pässwörd and more', CHEAP);
    const [, , salt, key] = stored.split('$');
    const expected = scryptSync('pässwörd and more', Buffer.from(salt, 'base64url'), 32, CHEAP);
    expect(Buffer.from(key, 'base64url').equals(expected)).toBe(true);
  });

  it('salts every hash: the same password never gives the same string', async () => {
    expect(await hashPassword('same password!', CHEAP)).not.toBe(
      await hashPassword('same password!', CHEAP),
    );
  });

  it('verifies the right password and refuses any other', async () => {
    const stored = await hashPassword('correct horse battery staple');
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapl', stored)).resolves.toBe(false);
    await expect(verifyPassword('Correct horse battery staple', stored)).resolves.toBe(false);
  });

  it('verifies a hash made with other parameters (they are read from the string)', async () => {
    const old = await hashPassword('an older password', CHEAP);
    await expect(verifyPassword('an older password', old)).resolves.toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword('a current password'))).toBe(false);
  });

  it('treats the same text in another Unicode form as the same password', async () => {
    const composed = 'caf\u00e9 au lait!';
    const decomposed = 'cafe\u0301 au lait!';
    await expect(verifyPassword(decomposed, await hashPassword(composed, CHEAP))).resolves.toBe(
      true,
    );
  });

  it.each([
    ['no hash at all', null],
    ['garbage', 'not a hash'],
    ['another algorithm', 'bcrypt$2b$10$abcdefghijklmnopqrstuv'],
    ['an absurd cost', 'scrypt$N=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43)],
    [
      'a cost that is not a power of two',
      'scrypt$N=1000,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43),
    ],
  ])('never matches %s', async (_name, stored) => {
    await expect(verifyPassword('whatever password', stored)).resolves.toBe(false);
  });

  it('spends a real hash’s work on an unknown account, so timing tells nothing', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const time = async (work: () => Promise<unknown>) => {
      const start = process.hrtime.bigint();
      await work();
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    // Warm up once: the first scrypt call allocates its memory.
    await verifyPassword('x', stored);
    const real = await time(() => verifyPassword('wrong password', stored));
    const dummy = await time(() => burnDummyHash('wrong password'));
    const none = await time(() => verifyPassword('wrong password', null));
    expect(dummy).toBeGreaterThan(real / 3);
    expect(none).toBeGreaterThan(real / 3);
  });
});
