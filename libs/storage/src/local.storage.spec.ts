import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';

import { LocalStorage } from './local.storage';
import { DEFAULT_CACHE_CONTROL } from './object-storage';
import { InvalidStorageKeyError, StorageError } from './storage.error';

const KEY = 'infographs/7/42.png';
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(70_000, 3),
]);

/** Every file under `dir`, relative, so a test can assert nothing stray was left behind. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** A stream that delivers `chunks` then fails, like a download cut off by a size limit. */
function failingAfter(chunks: Buffer[], error: Error): Readable {
  const stream = new PassThrough();
  for (const chunk of chunks) {
    stream.write(chunk);
  }
  setTimeout(() => stream.destroy(error), 20);
  return stream;
}

describe('LocalStorage', () => {
  /** read() minus its stream, closed at once so no file handle outlives the test. */
  async function readMeta(key: string) {
    const object = await storage.read(key);
    object?.stream.destroy();
    return object && { ...object, stream: undefined };
  }

  let root: string;
  let storage: LocalStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ainfographic-local-storage-'));
    storage = new LocalStorage({ root, publicBaseUrl: 'http://127.0.0.1:3000/' });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('round-trips a streamed body with its content type, and leaves no temporary file', async () => {
    const result = await storage.put(
      KEY,
      Readable.from([PNG.subarray(0, 1000), PNG.subarray(1000)]),
      {
        contentType: 'image/png',
        contentLength: PNG.length,
      },
    );

    expect(result).toEqual({
      key: KEY,
      url: 'http://127.0.0.1:3000/files/infographs/7/42.png',
      bytes: PNG.length,
    });
    await expect(storage.exists(KEY)).resolves.toBe(true);
    const object = await storage.read(KEY);
    expect(object).toMatchObject({
      contentType: 'image/png',
      cacheControl: DEFAULT_CACHE_CONTROL,
      size: PNG.length,
    });
    expect((await collect(object!.stream)).equals(PNG)).toBe(true);
    expect(await filesUnder(root)).toEqual(['infographs/7/42.png']);
  });

  it('round-trips a Buffer through get()', async () => {
    const result = await storage.put('a/b.webp', PNG, {
      contentType: 'image/webp',
      cacheControl: 'no-store',
    });

    expect(result.bytes).toBe(PNG.length);
    const stream = await storage.get('a/b.webp');
    expect(stream).not.toBeNull();
    expect((await collect(stream!)).equals(PNG)).toBe(true);
    await expect(readMeta('a/b.webp')).resolves.toMatchObject({
      contentType: 'image/webp',
      cacheControl: 'no-store',
    });
  });

  it('answers missing objects with false and null', async () => {
    await expect(storage.exists(KEY)).resolves.toBe(false);
    await expect(storage.get(KEY)).resolves.toBeNull();
    await expect(storage.read(KEY)).resolves.toBeNull();
    await storage.put(KEY, PNG, { contentType: 'image/png' });
    // A folder is not an object.
    await expect(storage.exists('infographs/7')).resolves.toBe(false);
    await expect(storage.read('infographs/7')).resolves.toBeNull();
  });

  it('makes its folders again when they are removed behind its back (on the retry)', async () => {
    await storage.put(KEY, PNG, { contentType: 'image/png' });
    await rm(root, { recursive: true });

    // The folders are remembered, so the first put after the removal fails as a retryable error…
    await expect(storage.put(KEY, PNG, { contentType: 'image/png' })).rejects.toMatchObject({
      transient: true,
      code: 'ENOENT',
    });
    // …and the retry makes them again.
    await storage.put(KEY, PNG, { contentType: 'image/png' });
    expect(await filesUnder(root)).toEqual(['infographs/7/42.png']);
  });

  it('running a put twice replaces the object whole', async () => {
    await storage.put(KEY, Buffer.from('first, longer body'), { contentType: 'image/png' });
    await storage.put(KEY, Buffer.from('second'), { contentType: 'image/png' });

    expect(await readFile(join(root, KEY), 'utf8')).toBe('second');
    expect(await filesUnder(root)).toEqual(['infographs/7/42.png']);
  });

  it('rethrows a failing source unchanged and leaves nothing under the key', async () => {
    const tooLarge = Object.assign(new Error('image exceeds 1 byte'), {
      name: 'ImageTooLargeError',
    });

    await expect(
      storage.put(KEY, failingAfter([PNG.subarray(0, 5000)], tooLarge), {
        contentType: 'image/png',
      }),
    ).rejects.toBe(tooLarge);
    await expect(storage.exists(KEY)).resolves.toBe(false);
    expect((await filesUnder(root)).filter((f) => !f.startsWith('.meta/'))).toEqual([]);
  });

  it('fails a body shorter or longer than contentLength, transiently, writing nothing', async () => {
    for (const declared of [PNG.length + 1, PNG.length - 1]) {
      const attempt = storage.put(KEY, Readable.from([PNG]), {
        contentType: 'image/png',
        contentLength: declared,
      });
      await expect(attempt).rejects.toThrow(StorageError);
      await expect(
        storage.put(KEY, Readable.from([PNG]), {
          contentType: 'image/png',
          contentLength: declared,
        }),
      ).rejects.toMatchObject({ code: 'BodyLengthMismatch', transient: true });
    }
    await expect(storage.exists(KEY)).resolves.toBe(false);
    expect((await filesUnder(root)).filter((f) => !f.startsWith('.meta/'))).toEqual([]);
  });

  it('refuses a Buffer whose length contradicts contentLength, permanently', async () => {
    await expect(
      storage.put(KEY, PNG, { contentType: 'image/png', contentLength: 3 }),
    ).rejects.toMatchObject({ code: 'BodyLengthMismatch', transient: false });
  });

  it('fails a source that closes before its end instead of waiting forever', async () => {
    const source = new PassThrough();
    source.write(PNG.subarray(0, 100));
    setTimeout(() => source.destroy(), 20);

    await expect(storage.put(KEY, source, { contentType: 'image/png' })).rejects.toMatchObject({
      code: 'BodyClosedEarly',
      transient: true,
    });
    await expect(storage.exists(KEY)).resolves.toBe(false);
  });

  it.each([
    '../escape.png',
    '/etc/passwd',
    'a\\..\\..\\b',
    '.meta/infographs/7/42.png.json',
    'a//b',
  ])('refuses the key %j on every operation', async (key) => {
    await expect(storage.put(key, PNG, { contentType: 'image/png' })).rejects.toThrow(
      InvalidStorageKeyError,
    );
    await expect(storage.exists(key)).rejects.toThrow(InvalidStorageKeyError);
    await expect(storage.read(key)).rejects.toThrow(InvalidStorageKeyError);
    expect(() => storage.publicUrl(key)).toThrow(InvalidStorageKeyError);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('destroys a streamed body whose key it refuses, so the source is released', async () => {
    const source = new PassThrough();
    source.write(PNG.subarray(0, 10));

    await expect(storage.put('../x.png', source, { contentType: 'image/png' })).rejects.toThrow(
      InvalidStorageKeyError,
    );
    expect(source.destroyed).toBe(true);
  });

  it('writes no sidecar when the extension and the default cache policy say it all', async () => {
    await storage.put('x/photo.jpg', PNG, { contentType: 'image/jpeg' });

    expect(await filesUnder(root)).toEqual(['x/photo.jpg']);
    await expect(readMeta('x/photo.jpg')).resolves.toMatchObject({
      contentType: 'image/jpeg',
      cacheControl: DEFAULT_CACHE_CONTROL,
    });
  });

  it('drops an outdated sidecar when a later put no longer needs one', async () => {
    await storage.put(KEY, PNG, { contentType: 'image/png', cacheControl: 'no-store' });
    await expect(readMeta(KEY)).resolves.toMatchObject({ cacheControl: 'no-store' });

    await storage.put(KEY, PNG, { contentType: 'image/png' });
    expect(await filesUnder(root)).toEqual(['infographs/7/42.png']);
    await expect(readMeta(KEY)).resolves.toMatchObject({ cacheControl: DEFAULT_CACHE_CONTROL });
  });

  it('encodes key segments in the public URL', () => {
    expect(storage.publicUrl('infographs/a b/ü.png')).toBe(
      'http://127.0.0.1:3000/files/infographs/a%20b/%C3%BC.png',
    );
  });

  it('health check creates the root, and fails permanently when the root is a file', async () => {
    const nested = new LocalStorage({
      root: join(root, 'new', 'files'),
      publicBaseUrl: 'http://x',
    });
    await expect(nested.healthCheck()).resolves.toBeUndefined();
    expect((await readdir(join(root, 'new'))).includes('files')).toBe(true);

    await writeFile(join(root, 'occupied'), 'not a folder');
    const blocked = new LocalStorage({ root: join(root, 'occupied'), publicBaseUrl: 'http://x' });
    await expect(blocked.healthCheck()).rejects.toMatchObject({ transient: false });
    await expect(blocked.put('k.png', PNG, { contentType: 'image/png' })).rejects.toMatchObject({
      transient: false,
      code: 'EEXIST',
    });
  });
});
