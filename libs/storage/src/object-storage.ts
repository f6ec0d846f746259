import { Readable } from 'node:stream';

/** Nest injection token for the configured {@link ObjectStorage} driver. */
export const OBJECT_STORAGE = Symbol('OBJECT_STORAGE');

/**
 * Keys are stable per infograph and never rewritten with other bytes, so browsers and CDNs may
 * keep an object for a year without revalidating.
 */
export const DEFAULT_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export interface PutObjectMeta {
  contentType: string;
  /** When given, a body of any other length fails the put and nothing lands under the key. */
  contentLength?: number;
  /** Defaults to {@link DEFAULT_CACHE_CONTROL}. */
  cacheControl?: string;
}

export interface PutObjectResult {
  key: string;
  url: string;
  bytes: number;
}

/**
 * Where finished images live. Every failure of the store itself surfaces as a `StorageError`
 * whose `transient` flag says whether a retry can help; an error raised by a streamed body
 * (e.g. the download it comes from was too large) is rethrown unchanged for the caller to judge.
 */
export interface ObjectStorage {
  /** Writes the whole body under `key`, replacing any earlier object; safe to run twice. */
  put(key: string, body: Readable | Buffer, meta: PutObjectMeta): Promise<PutObjectResult>;
  /** The URL clients fetch the object from; pure, no I/O. */
  publicUrl(key: string): string;
  exists(key: string): Promise<boolean>;
  /** The object's bytes, or null when there is none (for tests and the local file route). */
  get(key: string): Promise<Readable | null>;
  /** Removes the object (nothing happens when there is none); safe to run twice. */
  delete(key: string): Promise<void>;
  /**
   * Removes every object whose key starts with `prefix`, a folder such as `infographs/<user>/`
   * (it must end with `/`); returns how many there were. For deleting an account's images.
   */
  deletePrefix(prefix: string): Promise<number>;
  /** Resolves when the store is reachable and writable as configured; throws `StorageError`. */
  healthCheck(): Promise<void>;
}
