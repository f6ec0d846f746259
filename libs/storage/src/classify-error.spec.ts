import {
  AccessDenied,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  S3ServiceException,
} from '@aws-sdk/client-s3';

import { isTransientS3Error, toFsStorageError, toS3StorageError } from './classify-error';
import { StorageError } from './storage.error';

const metadata = (httpStatusCode: number) => ({ httpStatusCode, attempts: 1, totalRetryDelay: 0 });

function serviceError(name: string, httpStatusCode: number, fault: 'client' | 'server') {
  return new S3ServiceException({
    name,
    $fault: fault,
    $metadata: metadata(httpStatusCode),
    message: `${name} happened`,
  });
}

const networkError = (code: string) =>
  Object.assign(new Error(`${code} from the socket`), { code });

describe('isTransientS3Error', () => {
  it.each([
    ['500 InternalError', serviceError('InternalError', 500, 'server')],
    ['503 SlowDown', serviceError('SlowDown', 503, 'server')],
    ['502 with an unknown name', serviceError('BadGateway', 502, 'server')],
    ['429 with an unknown name', serviceError('TooMany', 429, 'client')],
    ['400 RequestTimeout', serviceError('RequestTimeout', 400, 'client')],
    ['403 RequestTimeTooSkewed', serviceError('RequestTimeTooSkewed', 403, 'client')],
    ['ECONNREFUSED', networkError('ECONNREFUSED')],
    ['ECONNRESET', networkError('ECONNRESET')],
    ['ETIMEDOUT', networkError('ETIMEDOUT')],
    ['EAI_AGAIN', networkError('EAI_AGAIN')],
    ['undici socket error', networkError('UND_ERR_SOCKET')],
    ['SDK TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['an error with no status or code', new Error('something odd')],
  ])('%s is transient', (_label, error) => {
    expect(isTransientS3Error(error)).toBe(true);
  });

  it.each([
    ['AccessDenied', new AccessDenied({ message: 'denied', $metadata: metadata(403) })],
    ['NoSuchBucket', new NoSuchBucket({ message: 'no bucket', $metadata: metadata(404) })],
    ['NoSuchKey', new NoSuchKey({ message: 'no key', $metadata: metadata(404) })],
    ['NotFound', new NotFound({ message: 'UnknownError', $metadata: metadata(404) })],
    ['InvalidAccessKeyId', serviceError('InvalidAccessKeyId', 403, 'client')],
    ['SignatureDoesNotMatch', serviceError('SignatureDoesNotMatch', 403, 'client')],
    ['EntityTooLarge', serviceError('EntityTooLarge', 400, 'client')],
  ])('%s is permanent', (_label, error) => {
    expect(isTransientS3Error(error)).toBe(false);
  });

  it('keeps the verdict of an error that is already a StorageError', () => {
    expect(isTransientS3Error(new StorageError('x', false, 'X'))).toBe(false);
    expect(isTransientS3Error(new StorageError('x', true, 'X'))).toBe(true);
  });
});

describe('toS3StorageError', () => {
  it('names the action, code and status, and keeps the cause', () => {
    const cause = new NoSuchBucket({
      message: 'The bucket does not exist',
      $metadata: metadata(404),
    });
    const error = toS3StorageError(cause, 'put infographs/1/2.png');
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ transient: false, code: 'NoSuchBucket', cause });
    expect(error.message).toBe(
      'Object storage put infographs/1/2.png failed: NoSuchBucket (HTTP 404): The bucket does not exist',
    );
  });

  it('uses the errno code of a network error', () => {
    const error = toS3StorageError(networkError('ECONNREFUSED'), 'put k');
    expect(error).toMatchObject({ transient: true, code: 'ECONNREFUSED' });
    expect(error.message).toBe(
      'Object storage put k failed: ECONNREFUSED: ECONNREFUSED from the socket',
    );
  });

  it('passes a StorageError through untouched', () => {
    const original = new StorageError('length', true, 'BodyLengthMismatch');
    expect(toS3StorageError(original, 'put k')).toBe(original);
  });
});

describe('toFsStorageError', () => {
  it.each(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST'])('%s is permanent', (code) => {
    expect(toFsStorageError(networkError(code), 'put k')).toMatchObject({ transient: false, code });
  });

  it.each(['ENOSPC', 'EMFILE', 'EIO'])('%s is transient', (code) => {
    expect(toFsStorageError(networkError(code), 'put k')).toMatchObject({ transient: true, code });
  });
});
