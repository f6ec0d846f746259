import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';

import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';

import {
  DEFAULT_CACHE_CONTROL,
  LocalStorage,
  ObjectStorage,
  S3Storage,
  S3StorageOptions,
  StorageError,
  storageKeyFor,
} from '@app/storage';

import { S3TestServer, startS3Server } from '../support/s3-server';

const PUBLIC_BASE_URL = 'https://img.example.test/';

/** PNG signature followed by filler; big enough (7 MiB) that S3Storage goes multipart. */
function pngLike(bytes: number): Buffer {
  const body = Buffer.alloc(bytes);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(body);
  for (let i = 8; i < bytes; i += 1) {
    body[i] = (i * 31) % 251;
  }
  return body;
}

/** Streams `body` in small uneven chunks, like a download would. */
function streamed(body: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += 65_519) {
    chunks.push(body.subarray(at, at + 65_519));
  }
  return Readable.from(chunks);
}

/**
 * What any driver must do to delete: one key (twice is harmless), and a whole user's folder
 * without touching another user's (or a key that merely starts with the same characters).
 */
async function expectDeletes(storage: ObjectStorage, alreadyInU1 = 0): Promise<void> {
  const put = (key: string) =>
    storage.put(key, Buffer.from(`bytes of ${key}`), { contentType: 'image/png' });
  const doomed = ['infographs/u1/a.png', 'infographs/u1/b.webp'];
  const kept = ['infographs/u2/c.png', 'infographs/u10/d.png'];
  for (const key of [...doomed, ...kept, 'infographs/u1/e.png']) {
    await put(key);
  }

  await storage.delete('infographs/u1/e.png');
  await storage.delete('infographs/u1/e.png');
  await expect(storage.exists('infographs/u1/e.png')).resolves.toBe(false);

  await expect(storage.deletePrefix('infographs/u1/')).resolves.toBe(2 + alreadyInU1);
  for (const key of doomed) {
    await expect(storage.exists(key)).resolves.toBe(false);
  }
  for (const key of kept) {
    await expect(storage.exists(key)).resolves.toBe(true);
  }
  await expect(storage.deletePrefix('infographs/u1/')).resolves.toBe(0);
  // The folder can be written again afterwards.
  await put(doomed[0]);
  await expect(storage.exists(doomed[0])).resolves.toBe(true);
  for (const bad of ['infographs/u1', '../', 'infographs/../', '/infographs/u1/']) {
    await expect(storage.deletePrefix(bad)).rejects.toMatchObject({
      name: 'InvalidStorageKeyError',
    });
  }
}

/** Checks what any driver must do with one streamed body. */
async function expectRoundTrip(storage: ObjectStorage, key: string, body: Buffer): Promise<void> {
  const result = await storage.put(key, streamed(body), {
    contentType: 'image/png',
    contentLength: body.length,
  });
  expect(result).toEqual({ key, url: storage.publicUrl(key), bytes: body.length });
  await expect(storage.exists(key)).resolves.toBe(true);
  const stream = await storage.get(key);
  expect(stream).not.toBeNull();
  expect((await collect(stream!)).equals(body)).toBe(true);
  await expect(storage.exists(`${key}.missing`)).resolves.toBe(false);
  await expect(storage.get(`${key}.missing`)).resolves.toBeNull();
}

describe('S3Storage against a real S3-protocol server', () => {
  let server: S3TestServer;
  let options: S3StorageOptions;
  let storage: S3Storage;
  let client: S3Client;

  beforeEach(async () => {
    server = await startS3Server();
    options = {
      endpoint: server.endpoint,
      region: 'us-east-1',
      bucket: server.bucket,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
      publicBaseUrl: PUBLIC_BASE_URL,
      maxAttempts: 1,
    };
    storage = new S3Storage(options);
    client = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
  });

  afterEach(async () => {
    storage.onModuleDestroy();
    client.destroy();
    await server.stop();
  });

  it('deletes one object, and a user’s whole folder, leaving other users’ objects', async () => {
    await expectDeletes(storage);
  });

  it('stores a streamed multipart body with its bytes, type and cache policy', async () => {
    const key = storageKeyFor({ userId: 7, infographId: 42, contentType: 'image/png' });
    const body = pngLike(7 * 1024 * 1024);
    const send = jest.spyOn(S3Client.prototype, 'send');

    await expectRoundTrip(storage, key, body);

    const commands = send.mock.calls.map(([command]) => command.constructor.name);
    send.mockRestore();
    expect(commands).toEqual(
      expect.arrayContaining(['CreateMultipartUploadCommand', 'CompleteMultipartUploadCommand']),
    );
    expect(commands.filter((name) => name === 'UploadPartCommand')).toHaveLength(2);

    const head = await client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(head).toMatchObject({
      ContentType: 'image/png',
      CacheControl: DEFAULT_CACHE_CONTROL,
      ContentLength: body.length,
    });
    const object = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(storage.publicUrl(key)).toBe('https://img.example.test/infographs/7/42.png');
    await expect(storage.healthCheck()).resolves.toBeUndefined();
  });

  it('stores a small Buffer in one request, with a custom cache policy', async () => {
    const body = pngLike(2048);

    const result = await storage.put('infographs/1/a b.png', body, {
      contentType: 'image/png',
      cacheControl: 'no-cache',
    });

    expect(result).toEqual({
      key: 'infographs/1/a b.png',
      url: 'https://img.example.test/infographs/1/a%20b.png',
      bytes: 2048,
    });
    const head = await client.send(
      new HeadObjectCommand({ Bucket: server.bucket, Key: 'infographs/1/a b.png' }),
    );
    expect(head).toMatchObject({
      ContentType: 'image/png',
      CacheControl: 'no-cache',
      ContentLength: 2048,
    });
  });

  it('rethrows a failing source unchanged and stores nothing', async () => {
    const tooLarge = Object.assign(new Error('image exceeds the limit'), {
      name: 'ImageTooLargeError',
    });
    const source = new PassThrough();
    source.write(pngLike(100_000));
    setTimeout(() => source.destroy(tooLarge), 20);

    await expect(
      storage.put('infographs/1/2.png', source, { contentType: 'image/png' }),
    ).rejects.toBe(tooLarge);
    await expect(storage.exists('infographs/1/2.png')).resolves.toBe(false);
  });

  it('refuses a streamed body shorter than contentLength and stores nothing', async () => {
    const body = pngLike(10_000);

    await expect(
      storage.put('infographs/1/3.png', streamed(body), {
        contentType: 'image/png',
        contentLength: body.length + 1,
      }),
    ).rejects.toMatchObject({ name: 'StorageError', code: 'BodyLengthMismatch', transient: true });
    await expect(storage.exists('infographs/1/3.png')).resolves.toBe(false);
  });

  it('a missing bucket is a permanent StorageError, for put and health check', async () => {
    const missing = new S3Storage({ ...options, bucket: 'no-such-bucket' });
    try {
      const put = missing.put('infographs/1/2.png', streamed(pngLike(1000)), {
        contentType: 'image/png',
      });
      await expect(put).rejects.toBeInstanceOf(StorageError);
      await expect(
        missing.put('infographs/1/2.png', pngLike(1000), { contentType: 'image/png' }),
      ).rejects.toMatchObject({
        transient: false,
        code: 'NoSuchBucket',
        message: expect.stringContaining('put infographs/1/2.png failed: NoSuchBucket (HTTP 404)'),
      });
      await expect(missing.healthCheck()).rejects.toMatchObject({ transient: false });
    } finally {
      missing.onModuleDestroy();
    }
  });

  it('an unknown access key is a permanent StorageError', async () => {
    // s3rver checks the key id but, unlike R2, not every signature, so the id is what we vary.
    const denied = new S3Storage({ ...options, accessKeyId: 'NOT-A-KEY' });
    try {
      await expect(
        denied.put('infographs/1/2.png', pngLike(1000), { contentType: 'image/png' }),
      ).rejects.toMatchObject({
        name: 'StorageError',
        transient: false,
        code: 'InvalidAccessKeyId',
      });
    } finally {
      denied.onModuleDestroy();
    }
  });

  it('a stopped server is a transient StorageError', async () => {
    await storage.put('infographs/1/warm.png', pngLike(10), { contentType: 'image/png' });
    await server.stop();

    await expect(
      storage.put('infographs/1/2.png', streamed(pngLike(1000)), { contentType: 'image/png' }),
    ).rejects.toMatchObject({ name: 'StorageError', transient: true });
    await expect(storage.exists('infographs/1/2.png')).rejects.toMatchObject({ transient: true });
    await expect(storage.healthCheck()).rejects.toMatchObject({ transient: true });
  });
});

describe('LocalStorage through the same round trip', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ainfographic-local-e2e-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('deletes one object, and a user’s whole folder, leaving other users’ objects', async () => {
    const storage = new LocalStorage({ root, publicBaseUrl: 'http://127.0.0.1:3000' });
    await storage.put('infographs/u1/typed.png', Buffer.from('x'), {
      contentType: 'image/png',
      cacheControl: 'no-store',
    });
    await expectDeletes(storage, 1);
    // The sidecars of deleted objects go with them.
    const files = await readdir(join(root, '.meta'), { recursive: true });
    expect(files.filter((f) => f.includes('u1') && f.endsWith('.json'))).toEqual([]);
  });

  it('stores, serves and describes a streamed body', async () => {
    const storage = new LocalStorage({ root, publicBaseUrl: 'http://127.0.0.1:3000' });
    const key = storageKeyFor({ userId: 7, infographId: 42, contentType: 'image/png' });
    const body = pngLike(3 * 1024 * 1024);

    await expectRoundTrip(storage, key, body);

    expect(storage.publicUrl(key)).toBe('http://127.0.0.1:3000/files/infographs/7/42.png');
    const object = await storage.read(key);
    object?.stream.destroy();
    expect(object).toMatchObject({
      contentType: 'image/png',
      cacheControl: DEFAULT_CACHE_CONTROL,
      size: body.length,
    });
    const files = await readdir(root, { recursive: true });
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await expect(storage.healthCheck()).resolves.toBeUndefined();
  });
});
