import { mkdtemp, rm } from 'node:fs/promises';
import { Server } from 'node:http';
import { createRequire } from 'node:module';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The part of s3rver's API we use (it ships no type declarations). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}

type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

// createRequire rather than `import`: without declarations an import fails type-checking.
const requireHere = createRequire(__filename);
const S3rver = requireHere('s3rver') as S3rverConstructor;

/**
 * S3 lets any number of deletes run at once. s3rver's filesystem store removes a key's folder
 * once it is empty, so two deletes in one folder race: the loser's `readdir`/`rmdir` throws
 * ENOENT (or ENOTEMPTY) and it answers 500 InternalError, and again on every retry, although its
 * object is gone. Finish a delete whose object files are gone as S3 would: with success.
 */
const FilesystemStore = requireHere('s3rver/lib/stores/filesystem') as {
  prototype: { deleteObject(bucket: string, key: string): Promise<void> };
};
const s3rverDeleteObject = FilesystemStore.prototype.deleteObject;
FilesystemStore.prototype.deleteObject = async function deleteObject(bucket, key) {
  try {
    await s3rverDeleteObject.call(this, bucket, key);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY') {
      throw error;
    }
  }
};

export interface S3TestServer {
  /** `http://127.0.0.1:<port>`; use with `forcePathStyle: true`. */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the server and deletes its files; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A real S3-protocol server (s3rver) on loopback, on a free port, with one empty bucket and its
 * own temporary folder. s3rver accepts only its built-in credentials, S3RVER/S3RVER.
 */
export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? 'test-bucket';
  const directory = await mkdtemp(join(tmpdir(), 'ainfographic-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    stop: () => {
      stopped ??= (async () => {
        const closing = server.close();
        // close() waits for keep-alive sockets the SDK holds open; cut them so stop is prompt.
        server.httpServer?.closeAllConnections();
        await closing;
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
