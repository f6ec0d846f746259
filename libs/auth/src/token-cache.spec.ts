import type { AppConfig } from '@app/config';

import { AuthenticatedUser, TokenCache } from './token-cache';

const user = (id: string): AuthenticatedUser => ({
  id,
  email: `${id}@test.local`,
  isAdmin: false,
  createdAt: new Date(0),
  tokenId: `${id}-token`,
  tokenKind: 'api_key',
  tokenExpiresAt: null,
});

function listeningCache(cacheMs = 10_000): TokenCache {
  const cache = new TokenCache({ auth: { cacheMs } } as AppConfig);
  cache.setListening(true);
  return cache;
}

describe('TokenCache', () => {
  it('keeps what was read, until it expires', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const cache = listeningCache(5_000);
      cache.set('h1', user('u1'), cache.version());
      expect(cache.get('h1')?.id).toBe('u1');
      jest.setSystemTime(1_000_000 + 5_001);
      expect(cache.get('h1')).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('never answers for a session past its expiry, however long the cache would keep it', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const cache = listeningCache(10_000);
      const session = { ...user('u1'), tokenKind: 'session' as const };
      cache.set('h1', { ...session, tokenExpiresAt: new Date(1_000_000 + 2_000) }, cache.version());
      expect(cache.get('h1')?.id).toBe('u1');
      jest.setSystemTime(1_000_000 + 2_000);
      expect(cache.get('h1')).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not keep a read that raced a revocation', () => {
    const cache = listeningCache();
    const before = cache.version();
    cache.evict('h1'); // the notice arrives while the database read is in flight
    cache.set('h1', user('u1'), before);
    expect(cache.get('h1')).toBeUndefined();
  });

  it('caches nothing while revocations are not heard, and forgets all when they stop', () => {
    const cache = new TokenCache({ auth: { cacheMs: 10_000 } } as AppConfig);
    cache.set('h1', user('u1'), cache.version());
    expect(cache.get('h1')).toBeUndefined();

    cache.setListening(true);
    cache.set('h2', user('u2'), cache.version());
    cache.setListening(false);
    cache.setListening(true);
    expect(cache.get('h2')).toBeUndefined();
  });

  it('does not keep a read that started before listening resumed', () => {
    const cache = new TokenCache({ auth: { cacheMs: 10_000 } } as AppConfig);
    const before = cache.version();
    cache.setListening(true);
    cache.set('h1', user('u1'), before);
    expect(cache.get('h1')).toBeUndefined();
  });

  it('is off with AUTH_CACHE_SECONDS=0', () => {
    const cache = listeningCache(0);
    cache.set('h1', user('u1'), cache.version());
    expect(cache.get('h1')).toBeUndefined();
  });

  it('drops the oldest entry past its size limit', () => {
    const cache = listeningCache();
    for (let i = 0; i <= 10_000; i++) {
      cache.set(`h${i}`, user(`u${i}`), cache.version());
    }
    expect(cache.get('h0')).toBeUndefined();
    expect(cache.get('h1')?.id).toBe('u1');
    expect(cache.get('h10000')?.id).toBe('u10000');
  });
});
