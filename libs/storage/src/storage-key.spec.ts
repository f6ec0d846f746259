import {
  assertValidKey,
  contentTypeForKey,
  encodeKeyForUrl,
  storageKeyFor,
  storageKeysFor,
  trimTrailingSlashes,
} from './storage-key';
import { InvalidStorageKeyError, StorageError } from './storage.error';

/** The error `fn` throws, so its fields can be matched; fails the test if nothing is thrown. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('storageKeyFor', () => {
  it.each([
    ['image/png', 'infographs/7/42.png'],
    ['image/jpeg', 'infographs/7/42.jpg'],
    ['image/webp', 'infographs/7/42.webp'],
    ['IMAGE/PNG; charset=binary', 'infographs/7/42.png'],
  ])('maps %s to %s', (contentType, expected) => {
    expect(storageKeyFor({ userId: 7, infographId: '42', contentType })).toBe(expected);
  });

  it('keeps UUIDs as they are', () => {
    expect(
      storageKeyFor({
        userId: 'b3c1f0e2-1d2a-4c5b-9e8f-0a1b2c3d4e5f',
        infographId: '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
        contentType: 'image/png',
      }),
    ).toBe(
      'infographs/b3c1f0e2-1d2a-4c5b-9e8f-0a1b2c3d4e5f/0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a.png',
    );
  });

  it('refuses a content type it has no extension for, permanently', () => {
    const attempt = () => storageKeyFor({ userId: 1, infographId: 2, contentType: 'image/gif' });
    expect(attempt).toThrow(StorageError);
    expect(attempt).toThrow(/Unsupported image content type "image\/gif"/);
    expect(thrownBy(attempt)).toMatchObject({ transient: false, code: 'UnsupportedContentType' });
  });

  it.each(['../1', 'a/b', '', 'a b', '.'])('refuses the id %j', (id) => {
    expect(() => storageKeyFor({ userId: id, infographId: 2, contentType: 'image/png' })).toThrow(
      InvalidStorageKeyError,
    );
    expect(() => storageKeyFor({ userId: 1, infographId: id, contentType: 'image/png' })).toThrow(
      InvalidStorageKeyError,
    );
  });
});

describe('storageKeysFor', () => {
  it('lists the key of every image type once, each one storageKeyFor gives', () => {
    const keys = storageKeysFor({ userId: 'u1', infographId: 'i1' });
    expect(keys.sort()).toEqual([
      'infographs/u1/i1.jpg',
      'infographs/u1/i1.png',
      'infographs/u1/i1.webp',
    ]);
    for (const contentType of ['image/png', 'image/jpeg', 'image/webp']) {
      expect(keys).toContain(storageKeyFor({ userId: 'u1', infographId: 'i1', contentType }));
    }
  });
});

describe('assertValidKey', () => {
  it.each(['infographs/1/2.png', 'a', 'a/b/c.d.e', 'with space/ü.png', 'x..y/z'])(
    'accepts %j',
    (key) => {
      expect(() => assertValidKey(key)).not.toThrow();
    },
  );

  it.each([
    ['..', /dot/],
    ['../etc/passwd', /dot/],
    ['a/../../b', /dot/],
    ['a/./b', /dot/],
    ['.meta/infographs/1/2.png.json', /dot/],
    ['a/.hidden', /dot/],
    ['/etc/passwd', /leading \//],
    ['a\\..\\b', /backslash/],
    ['C:\\Windows', /backslash/],
    ['a//b', /empty segments/],
    ['a/', /empty segments/],
    ['a\u0000b', /control characters/],
    ['a\nb', /control characters/],
    ['', /non-empty/],
    ['k'.repeat(1025), /1024 bytes/],
  ])('refuses %j with a clear reason', (key, reason) => {
    expect(() => assertValidKey(key)).toThrow(InvalidStorageKeyError);
    expect(() => assertValidKey(key)).toThrow(reason);
  });

  it('refuses a non-string', () => {
    expect(() => assertValidKey(undefined)).toThrow(/must be a non-empty string/);
  });

  it('is permanent', () => {
    expect(thrownBy(() => assertValidKey('../x'))).toMatchObject({
      transient: false,
      code: 'InvalidKey',
    });
  });
});

describe('URL helpers', () => {
  it('encodes each segment but keeps the slashes', () => {
    expect(encodeKeyForUrl('infographs/a b/ü?#.png')).toBe('infographs/a%20b/%C3%BC%3F%23.png');
  });

  it('trims trailing slashes only', () => {
    expect(trimTrailingSlashes('https://cdn.example.com/img//')).toBe(
      'https://cdn.example.com/img',
    );
    expect(trimTrailingSlashes('https://cdn.example.com')).toBe('https://cdn.example.com');
  });

  it.each([
    ['infographs/1/2.png', 'image/png'],
    ['infographs/1/2.JPG', 'image/jpeg'],
    ['x.webp', 'image/webp'],
    ['noext', 'application/octet-stream'],
  ])('guesses the type of %s', (key, type) => {
    expect(contentTypeForKey(key)).toBe(type);
  });
});
