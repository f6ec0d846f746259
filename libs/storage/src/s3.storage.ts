import { Readable } from 'node:stream';

import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
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
import { assertValidKey, encodeKeyForUrl, trimTrailingSlashes } from './storage-key';

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
