import { Readable } from 'node:stream';

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { toS3StorageError } from './classify-error';
import { prepareBody } from './counted-body';
import {
  DEFAULT_CACHE_CONTROL,
  ObjectStorage,
  PutObjectMeta,
  PutObjectResult,
} from './object-storage';
import {
  assertValidKey,
  assertValidPrefix,
  encodeKeyForUrl,
  trimTrailingSlashes,
} from './storage-key';

export interface S3StorageOptions {
  /** R2: `https://<account>.r2.cloudflarestorage.com`; omit for AWS S3 itself. */
  endpoint?: string;
  /** R2 accepts `auto`. */
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `bucket` in the path instead of the host name; needed by most S3 stand-ins. */
  forcePathStyle: boolean;
  /** Where the bucket is served publicly (R2 custom domain or r2.dev URL), without the key. */
  publicBaseUrl: string;
  /** Attempts inside the SDK (with its own backoff) before a transient error reaches the job. Default 3. */
  maxAttempts?: number;
  /** Upper bound for one request including its body, so a stalled peer cannot hold a job. Default 120 s. */
  requestTimeoutMs?: number;
}

/** Deletes in flight at once when emptying a prefix. */
const DELETES_IN_FLIGHT = 8;

/** 5 MiB is S3's minimum part; two in flight bound memory per upload to ~10 MiB. */
const PART_SIZE = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/** S3-protocol storage (Cloudflare R2 in production). */
export class S3Storage implements ObjectStorage {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly publicBaseUrl: string;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.publicBaseUrl = trimTrailingSlashes(options.publicBaseUrl);
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: options.requestTimeoutMs ?? 120_000,
        throwOnRequestTimeout: true,
      },
    });
  }

  async put(key: string, body: Readable | Buffer, meta: PutObjectMeta): Promise<PutObjectResult> {
    const prepared = prepareBody(key, body, meta.contentLength);
    // Upload sends small bodies as one PutObject and larger ones as a multipart upload, which
    // it aborts on failure, so a failed put leaves nothing behind under the key.
    const upload = new Upload({
      client: this.client,
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: prepared.input,
        ContentType: meta.contentType,
        CacheControl: meta.cacheControl ?? DEFAULT_CACHE_CONTROL,
      },
    });
    try {
      await upload.done();
    } catch (error) {
      const sourceError = prepared.fail();
      if (sourceError !== undefined) {
        throw sourceError;
      }
      throw toS3StorageError(error, `put ${key}`);
    }
    prepared.done();
    return { key, url: this.publicUrl(key), bytes: prepared.bytes() };
  }

  publicUrl(key: string): string {
    assertValidKey(key);
    return `${this.publicBaseUrl}/${encodeKeyForUrl(key)}`;
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) {
        return false;
      }
      throw toS3StorageError(error, `exists ${key}`);
    }
  }

  async get(key: string): Promise<Readable | null> {
    assertValidKey(key);
    try {
      const output = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      if (!(output.Body instanceof Readable)) {
        throw new TypeError('GetObject returned no Node.js stream');
      }
      return output.Body;
    } catch (error) {
      if (isNotFound(error)) {
        return null;
      }
      throw toS3StorageError(error, `get ${key}`);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      // S3 answers a delete of a missing key with success too.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw toS3StorageError(error, `delete ${key}`);
    }
  }

  /**
   * Lists the prefix page by page and deletes each object with its own DeleteObject: the
   * multi-object DeleteObjects would save requests, but its required checksum header is where
   * S3-compatible stores disagree, and an account holds few enough images for this to be quick.
   */
  async deletePrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    let count = 0;
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ContinuationToken: continuationToken,
          }),
        );
      } catch (error) {
        throw toS3StorageError(error, `list ${prefix}`);
      }
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
      for (let at = 0; at < keys.length; at += DELETES_IN_FLIGHT) {
        await Promise.all(keys.slice(at, at + DELETES_IN_FLIGHT).map((key) => this.delete(key)));
      }
      count += keys.length;
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return count;
  }

  async healthCheck(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw toS3StorageError(error, `health check of bucket ${this.bucket}`);
    }
  }

  /** Closes pooled sockets so the process can exit. */
  onModuleDestroy(): void {
    this.client.destroy();
  }
}

/**
 * A missing object. GetObject tells `NoSuchKey` from `NoSuchBucket`, but a HEAD response has no
 * body, so for exists() a missing bucket also reads as a 404 `NotFound`: catching a wrong bucket
 * is healthCheck()'s job.
 */
function isNotFound(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return e?.name === 'NoSuchKey' || (e?.name === 'NotFound' && e.$metadata?.httpStatusCode === 404);
}
