import { Readable, Transform } from 'node:stream';

import { mediaUrlAllowed } from '@app/config';
import { request } from 'undici';

/** A download that failed; `permanent` says whether a retry could help. */
export class ImageDownloadError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'ImageDownloadError';
  }
}

export interface ImageDownloadOptions {
  /** `FAL_MEDIA_HOSTS` entries (host, host:port, *.domain, each with an optional /path). */
  allowedHosts: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  /** fal's CDN is https; plain http only for a local fal-sim. */
  allowHttp: boolean;
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);

/**
 * Streams fal's image: only from allow-listed hosts, never following a redirect (which could lead
 * anywhere), image content types only, bounded in bytes and time. The URL comes from a webhook
 * body, so it is treated as hostile.
 */
export async function downloadImage(
  rawUrl: string,
  options: ImageDownloadOptions,
): Promise<{ body: Readable; contentType: string; contentLength?: number }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ImageDownloadError('the image URL is not a valid URL', true);
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    throw new ImageDownloadError(
      `refusing ${url.protocol} image URL: fal's media hosts are https only`,
      true,
    );
  }
  if (!mediaUrlAllowed(url, options.allowedHosts)) {
    throw new ImageDownloadError(
      `the image host ${url.host} is not one of fal's media hosts (or not under an allowed path)`,
      true,
    );
  }
  let response;
  try {
    response = await request(url, {
      method: 'GET',
      // undici.request never follows redirects; a 3xx is refused below.
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new ImageDownloadError(`download failed: ${(error as Error).message}`, false);
  }
  const { statusCode, headers, body } = response;
  const fail = (message: string, permanent: boolean): never => {
    // Release the connection without reading what we refused (dump caps what it drains).
    body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    throw new ImageDownloadError(message, permanent);
  };
  if (statusCode >= 300 && statusCode < 400) {
    fail(`the image URL redirects (${statusCode}); redirects are not followed`, true);
  }
  if (statusCode !== 200) {
    fail(
      `the image host answered ${statusCode}`,
      statusCode < 500 && statusCode !== 429 && statusCode !== 408,
    );
  }
  const contentType = String(headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (!IMAGE_TYPES.has(contentType)) {
    fail(`the download is ${contentType || 'of no type'}, not a PNG, JPEG or WebP image`, true);
  }
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    fail(`the image is ${declared} bytes, over the ${options.maxBytes}-byte limit`, true);
  }
  return {
    body: body.pipe(byteLimit(options.maxBytes)),
    contentType,
    contentLength: Number.isFinite(declared) && declared > 0 ? declared : undefined,
  };
}

/** Errors the stream once more than `max` bytes pass, for bodies that lie about their length. */
function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > max) {
        callback(new ImageDownloadError(`the image is over the ${max}-byte limit`, true));
      } else {
        callback(null, chunk);
      }
    },
  });
}
