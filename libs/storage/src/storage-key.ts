import { InvalidStorageKeyError, StorageError } from './storage.error';

/** S3's limit; the local driver keeps it too so a key valid in development is valid in production. */
const MAX_KEY_BYTES = 1024;

const EXTENSION_BY_TYPE: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/webp': 'webp',
};

const TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** `image/PNG; charset=binary` → `image/png`. */
function mediaType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/**
 * Where an infograph's image lives: `infographs/<userId>/<infographId>.<ext>`. Stable per
 * infograph, so a retried upload overwrites the same object instead of leaving an orphan.
 */
export function storageKeyFor(input: {
  userId: string | number;
  infographId: string | number;
  contentType: string;
}): string {
  const userId = String(input.userId);
  const infographId = String(input.infographId);
  for (const [name, value] of [
    ['userId', userId],
    ['infographId', infographId],
  ]) {
    if (!SAFE_ID.test(value)) {
      throw new InvalidStorageKeyError(value, `${name} may hold only letters, digits, _ and -`);
    }
  }
  const extension = EXTENSION_BY_TYPE[mediaType(input.contentType)];
  if (!extension) {
    throw new StorageError(
      `Unsupported image content type ${JSON.stringify(input.contentType)}; expected one of ${Object.keys(EXTENSION_BY_TYPE).join(', ')}`,
      false,
      'UnsupportedContentType',
    );
  }
  return `infographs/${userId}/${infographId}.${extension}`;
}

/**
 * Every key an infograph's image may be stored under, one per image type: to remove a copy whose
 * type no row recorded (an upload run that crashed after writing it, before completing the row).
 */
export function storageKeysFor(input: {
  userId: string | number;
  infographId: string | number;
}): string[] {
  const types = [...new Set(Object.values(EXTENSION_BY_TYPE))].map((ext) => TYPE_BY_EXTENSION[ext]);
  return types.map((contentType) => storageKeyFor({ ...input, contentType }));
}

/** The content type a key's extension implies, for objects stored without one. */
export function contentTypeForKey(key: string): string {
  const dot = key.lastIndexOf('.');
  const extension = dot === -1 ? '' : key.slice(dot + 1).toLowerCase();
  return TYPE_BY_EXTENSION[extension] ?? 'application/octet-stream';
}

/**
 * Rejects keys that could name a path outside the storage root or differ between drivers:
 * absolute paths, backslashes, empty segments, and any segment starting with a dot (which covers
 * `.` and `..`, and keeps the local driver's own `.meta/` and temporary files out of reach).
 */
export function assertValidKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidStorageKeyError(key, 'must be a non-empty string');
  }
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new InvalidStorageKeyError(key, `must be at most ${MAX_KEY_BYTES} bytes`);
  }
  if (key.includes('\\')) {
    throw new InvalidStorageKeyError(key, 'must not contain a backslash');
  }
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    throw new InvalidStorageKeyError(key, 'must not contain control characters');
  }
  if (key.startsWith('/')) {
    throw new InvalidStorageKeyError(key, 'must be relative (no leading /)');
  }
  for (const segment of key.split('/')) {
    if (segment === '') {
      throw new InvalidStorageKeyError(key, 'must not contain empty segments (// or a trailing /)');
    }
    if (segment.startsWith('.')) {
      throw new InvalidStorageKeyError(key, 'segments must not start with a dot (no . or ..)');
    }
  }
}

/** A folder of keys (`infographs/<user>/`): valid key segments, ending with one `/`. */
export function assertValidPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !prefix.endsWith('/')) {
    throw new InvalidStorageKeyError(prefix, 'a prefix must be a folder ending with /');
  }
  assertValidKey(prefix.slice(0, -1));
}

/** Percent-encodes each segment, keeping the slashes, so a key is always one URL path. */
export function encodeKeyForUrl(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** `https://cdn.example.com/` → `https://cdn.example.com`, so joins never double the slash. */
export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
