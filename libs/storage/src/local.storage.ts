import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import {
  access,
  FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { PublicUrls } from '@app/config';

import { toFsStorageError } from './classify-error';
import { prepareBody } from './counted-body';
import {
  DEFAULT_CACHE_CONTROL,
  ObjectStorage,
  PutObjectMeta,
  PutObjectResult,
} from './object-storage';
import { assertValidKey, assertValidPrefix, contentTypeForKey } from './storage-key';
import { InvalidStorageKeyError } from './storage.error';

export interface LocalStorageOptions {
  /** Folder the objects live in, e.g. `.data/files`; created on first use. */
  root: string;
  /** The api's public URL; objects are served under `<publicBaseUrl>/files/<key>`. */
  publicBaseUrl: string;
  /**
   * Flush each file to disk before it appears under its key, so a power cut cannot leave an
   * empty file there. Default true; benchmarks may turn it off.
   */
  fsync?: boolean;
}

export interface LocalObject {
  stream: Readable;
  contentType: string;
  cacheControl: string;
  size: number;
}

interface Sidecar {
  contentType: string;
  cacheControl: string;
}

/**
 * Sidecars live in their own tree rather than beside each object: keys cannot start a segment
 * with a dot, so no key can read or overwrite one, and the object folders hold only objects.
 */
const META_DIR = '.meta';

/** Folders known to exist, remembered up to this many (one per user, and their sidecar twins). */
const MAX_KNOWN_DIRS = 10_000;

/** The default without storage settings: files under a folder that the api serves at `/files/`. */
export class LocalStorage implements ObjectStorage {
  readonly root: string;
  private readonly urls: PublicUrls;
  private readonly fsync: boolean;
  /** So that a put into an existing folder costs no mkdir (two file-system calls each). */
  private readonly knownDirs = new Set<string>();

  constructor(options: LocalStorageOptions) {
    this.root = resolve(options.root);
    this.urls = new PublicUrls(options.publicBaseUrl);
    this.fsync = options.fsync ?? true;
  }

  /**
   * Writes to a temporary file beside the target and renames it into place: a rename within one
   * folder is atomic, so readers see the old object or the whole new one, never a partial file,
   * and a crash leaves only a dot-named temporary file that no key can name.
   */
  async put(key: string, body: Readable | Buffer, meta: PutObjectMeta): Promise<PutObjectResult> {
    const prepared = prepareBody(key, body, meta.contentLength);
    let temp: string | undefined;
    try {
      const file = this.pathFor(key);
      temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
      await this.ensureDir(dirname(file));
      const cacheControl = meta.cacheControl ?? DEFAULT_CACHE_CONTROL;
      if (meta.contentType === contentTypeForKey(key) && cacheControl === DEFAULT_CACHE_CONTROL) {
        // The key's extension and the default say it all (the usual case): no sidecar, and one
        // call to drop an outdated one instead of four to write it.
        await rm(this.sidecarPathFor(key), { force: true });
      } else {
        await this.writeFileAtomically(
          this.sidecarPathFor(key),
          JSON.stringify({ contentType: meta.contentType, cacheControl } satisfies Sidecar),
        );
      }
      // The sidecar goes first: an object never exists without its content type, and a crash
      // in between leaves a sidecar that a retry overwrites.
      await pipeline(
        Buffer.isBuffer(prepared.input) ? Readable.from([prepared.input]) : prepared.input,
        // `flush`: fsync on the open descriptor before it closes, with no second open.
        createWriteStream(temp, { flags: 'wx', flush: this.fsync }),
      );
      await rename(temp, file);
    } catch (error) {
      if (isMissing(error)) {
        // A folder went away behind our back: make them again on the next put (a retry).
        this.knownDirs.clear();
      }
      if (temp !== undefined) {
        await rm(temp, { force: true }).catch(() => undefined);
      }
      const sourceError = prepared.fail();
      if (sourceError !== undefined) {
        throw sourceError;
      }
      throw toFsStorageError(error, `put ${key}`);
    }
    prepared.done();
    return { key, url: this.publicUrl(key), bytes: prepared.bytes() };
  }

  publicUrl(key: string): string {
    assertValidKey(key);
    return this.urls.file(key);
  }

  async exists(key: string): Promise<boolean> {
    const file = this.pathFor(key);
    try {
      return (await stat(file)).isFile();
    } catch (error) {
      if (isMissing(error)) {
        return false;
      }
      throw toFsStorageError(error, `exists ${key}`);
    }
  }

  async get(key: string): Promise<Readable | null> {
    return (await this.read(key))?.stream ?? null;
  }

  /** The object with what an HTTP route needs to serve it, or null when there is none. */
  async read(key: string): Promise<LocalObject | null> {
    const file = this.pathFor(key);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isMissing(error)) {
        return null;
      }
      throw toFsStorageError(error, `read ${key}`);
    }
    try {
      // Size and stream come from one open handle, so a concurrent put (which replaces the
      // file by rename) cannot make them disagree.
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        return null;
      }
      const sidecar = await this.readSidecar(key);
      return {
        stream: handle.createReadStream(),
        contentType: sidecar?.contentType ?? contentTypeForKey(key),
        cacheControl: sidecar?.cacheControl ?? DEFAULT_CACHE_CONTROL,
        size: info.size,
      };
    } catch (error) {
      await handle.close();
      throw toFsStorageError(error, `read ${key}`);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathFor(key);
    try {
      await rm(file, { force: true });
      await rm(this.sidecarPathFor(key), { force: true });
    } catch (error) {
      throw toFsStorageError(error, `delete ${key}`);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    const dir = this.pathFor(prefix.slice(0, -1));
    let count = 0;
    try {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      // Objects only: a crash's dot-named temporary files are no objects (no key names them).
      count = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).length;
    } catch (error) {
      if (!isMissing(error)) {
        throw toFsStorageError(error, `list ${prefix}`);
      }
    }
    try {
      await rm(dir, { recursive: true, force: true });
      await rm(join(this.root, META_DIR, ...prefix.slice(0, -1).split('/')), {
        recursive: true,
        force: true,
      });
    } catch (error) {
      throw toFsStorageError(error, `delete ${prefix}`);
    }
    // Those folders are gone: the next put into them must make them again.
    this.knownDirs.clear();
    return count;
  }

  /** Creates the root if needed and proves it writable. */
  async healthCheck(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
    } catch (error) {
      throw toFsStorageError(error, `health check of ${this.root}`);
    }
  }

  private pathFor(key: string): string {
    assertValidKey(key);
    const file = resolve(this.root, ...key.split('/'));
    // assertValidKey already refuses anything that could climb out; this is the backstop in
    // case its rules and the platform's path rules ever disagree.
    if (!file.startsWith(this.root + sep)) {
      throw new InvalidStorageKeyError(key, 'resolves outside the storage root');
    }
    return file;
  }

  private sidecarPathFor(key: string): string {
    return join(this.root, META_DIR, ...key.split('/')) + '.json';
  }

  private async readSidecar(key: string): Promise<Sidecar | null> {
    try {
      const parsed = JSON.parse(
        await readFile(this.sidecarPathFor(key), 'utf8'),
      ) as Partial<Sidecar>;
      return typeof parsed.contentType === 'string' && typeof parsed.cacheControl === 'string'
        ? { contentType: parsed.contentType, cacheControl: parsed.cacheControl }
        : null;
    } catch (error) {
      // Objects copied in by hand have no sidecar; their extension still gives a type.
      if (isMissing(error) || error instanceof SyntaxError) {
        return null;
      }
      throw error;
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) {
      return;
    }
    await mkdir(dir, { recursive: true });
    if (this.knownDirs.size >= MAX_KNOWN_DIRS) {
      this.knownDirs.clear();
    }
    this.knownDirs.add(dir);
  }

  private async writeFileAtomically(file: string, content: string): Promise<void> {
    await this.ensureDir(dirname(file));
    const temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
    try {
      await writeFile(temp, content, { flag: 'wx' });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
