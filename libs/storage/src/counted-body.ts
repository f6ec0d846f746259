import { Readable, Transform, TransformCallback } from 'node:stream';

import { assertValidKey } from './storage-key';
import { StorageError } from './storage.error';

/**
 * Counts the bytes passing through and, when the caller declared a length, fails the stream on
 * any other total. Failing before the end means the store never commits the object, so a
 * truncated download cannot become a complete-looking image. Transient: the next attempt
 * downloads again.
 */
class ByteCounter extends Transform {
  bytes = 0;

  constructor(private readonly expected?: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expected !== undefined && this.bytes > this.expected) {
      callback(this.mismatch('more than'));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const short = this.expected !== undefined && this.bytes !== this.expected;
    callback(short ? this.mismatch('only') : null);
  }

  private mismatch(got: string): StorageError {
    return new StorageError(
      `Body length mismatch: got ${got} ${this.bytes} bytes, expected ${this.expected}`,
      true,
      'BodyLengthMismatch',
    );
  }
}

/**
 * A streamed body on its way into a store. It keeps apart the two ways a write can fail: the
 * source broke (its error is the caller's to classify, e.g. a download that was too large) or
 * the store did (a `StorageError`).
 */
export class CountedBody {
  /** What the store reads from. */
  readonly stream: Readable;
  private readonly counter: ByteCounter;
  private sourceError: Error | undefined;
  private settled = false;

  constructor(
    private readonly source: Readable,
    expectedBytes?: number,
  ) {
    this.counter = new ByteCounter(expectedBytes);
    this.stream = this.counter;
    // The store's reader may already have given up when a late error arrives; without a
    // listener that error would be an uncaught exception and take the worker down.
    this.counter.on('error', () => undefined);
    source.on('error', (error) => {
      if (!this.settled) {
        this.sourceError ??= error;
        this.counter.destroy(error);
      }
    });
    // pipe() does not forward an end-less close; without this the store would wait forever.
    source.once('close', () => {
      if (!this.settled && !source.readableEnded) {
        this.counter.destroy(
          this.sourceError ??
            new StorageError('Body stream closed before its end', true, 'BodyClosedEarly'),
        );
      }
    });
    if (source.destroyed || source.readableEnded) {
      // Its 'close' has already passed, so the listener above would never fire.
      this.sourceError = source.errored ?? undefined;
      this.counter.destroy(
        source.errored ??
          new StorageError('Body stream was already consumed or closed', false, 'BodyUnreadable'),
      );
      return;
    }
    source.pipe(this.counter);
  }

  get bytes(): number {
    return this.counter.bytes;
  }

  /** After a successful write. */
  done(): void {
    this.settled = true;
  }

  /**
   * After a failed write: releases the source (e.g. the download's socket) and returns the
   * source's own error if that is what broke the write, else undefined.
   */
  fail(): Error | undefined {
    this.settled = true;
    if (!this.source.destroyed) {
      this.source.destroy();
    }
    return this.sourceError;
  }
}

/** A put's body, whichever form it came in. */
export interface PreparedBody {
  input: Readable | Buffer;
  bytes(): number;
  /** After a successful write. */
  done(): void;
  /** After a failed write: the source's own error if that is what broke it, else undefined. */
  fail(): Error | undefined;
}

/**
 * Checks the key and wraps the body. A put refused up front destroys a streamed body, so its
 * source (e.g. the download's socket) is released rather than left paused forever.
 */
export function prepareBody(
  key: string,
  body: Readable | Buffer,
  expectedBytes?: number,
): PreparedBody {
  try {
    assertValidKey(key);
  } catch (error) {
    if (!Buffer.isBuffer(body)) {
      body.destroy();
    }
    throw error;
  }
  if (Buffer.isBuffer(body)) {
    // A Buffer's length is known up front, so a mismatch is the caller's bug: permanent.
    if (expectedBytes !== undefined && body.length !== expectedBytes) {
      throw new StorageError(
        `Body length mismatch: buffer has ${body.length} bytes, contentLength says ${expectedBytes}`,
        false,
        'BodyLengthMismatch',
      );
    }
    return { input: body, bytes: () => body.length, done: () => undefined, fail: () => undefined };
  }
  const counted = new CountedBody(body, expectedBytes);
  return {
    input: counted.stream,
    bytes: () => counted.bytes,
    done: () => counted.done(),
    fail: () => counted.fail(),
  };
}
