import { AppConfig } from '@app/config';
import type { Infograph } from '@app/database';
import { OBJECT_STORAGE, ObjectStorage, storageKeyFor, storageKeysFor } from '@app/storage';
import { Inject, Injectable } from '@nestjs/common';

import { downloadImage } from './image-download';

/** Streams fal's image (from fal's media hosts only) into our storage under a stable key. */
@Injectable()
export class ImageCopier {
  constructor(
    private readonly config: AppConfig,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
  ) {}

  async copy(
    infograph: Pick<Infograph, 'id' | 'userId'>,
    falImageUrl: string,
  ): Promise<{ key: string; url: string; bytes: number; contentType: string }> {
    const image = await downloadImage(falImageUrl, {
      allowedHosts: this.config.images.mediaHosts,
      maxBytes: this.config.images.maxBytes,
      timeoutMs: this.config.images.downloadTimeoutMs,
      allowHttp: this.config.images.allowHttp,
    });
    // The same key every run, so a second run overwrites rather than duplicates.
    const key = storageKeyFor({
      userId: infograph.userId,
      infographId: infograph.id,
      contentType: image.contentType,
    });
    const stored = await this.storage.put(key, image.body, {
      contentType: image.contentType,
      contentLength: image.contentLength,
    });
    return { key, url: stored.url, bytes: stored.bytes, contentType: image.contentType };
  }

  /** Removes a copy whose infograph no longer exists. */
  discard(key: string): Promise<void> {
    return this.storage.delete(key);
  }

  /** Removes any copy of a failed infograph's image, whatever its type. */
  async discardAny(infograph: Pick<Infograph, 'id' | 'userId'>): Promise<void> {
    const keys = storageKeysFor({ userId: infograph.userId, infographId: infograph.id });
    await Promise.all(keys.map((key) => this.storage.delete(key)));
  }
}
