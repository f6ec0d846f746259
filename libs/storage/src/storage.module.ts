import { DynamicModule, Module, Provider } from '@nestjs/common';

import { LocalStorage, LocalStorageOptions } from './local.storage';
import { OBJECT_STORAGE } from './object-storage';
import { S3Storage, S3StorageOptions } from './s3.storage';

export type StorageModuleOptions =
  { driver: 's3'; s3: S3StorageOptions } | { driver: 'local'; local: LocalStorageOptions };

/**
 * Provides the configured driver as `OBJECT_STORAGE`, and also under its own class, so the
 * api's `/files/` route can inject `LocalStorage` (optionally: it is absent with the s3 driver).
 * Global because each app configures storage once in its root module.
 */
@Module({})
export class StorageModule {
  static forRoot(options: StorageModuleOptions): DynamicModule {
    let driver: Provider & { provide: typeof S3Storage | typeof LocalStorage };
    switch (options.driver) {
      case 's3':
        driver = { provide: S3Storage, useFactory: () => new S3Storage(options.s3) };
        break;
      case 'local':
        driver = { provide: LocalStorage, useFactory: () => new LocalStorage(options.local) };
        break;
    }
    return {
      module: StorageModule,
      global: true,
      providers: [driver, { provide: OBJECT_STORAGE, useExisting: driver.provide }],
      exports: [OBJECT_STORAGE, driver.provide],
    };
  }
}
