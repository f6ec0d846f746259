/**
 * A storage failure. `transient` decides retry (network, timeouts, 5xx, throttling, a full disk)
 * versus failing the job at once (bad credentials, missing bucket, an invalid key).
 */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';

  constructor(
    message: string,
    readonly transient: boolean,
    /** The store's own error name or errno code (`NoSuchBucket`, `ECONNREFUSED`), for logs and metrics. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A key that could escape the storage root or that S3 and the local driver would read differently. */
export class InvalidStorageKeyError extends StorageError {
  override readonly name: string = 'InvalidStorageKeyError';

  constructor(key: unknown, reason: string) {
    super(`Invalid storage key ${JSON.stringify(key)}: ${reason}`, false, 'InvalidKey');
  }
}
