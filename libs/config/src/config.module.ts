import { DynamicModule, Global, Module } from '@nestjs/common';

import { AppConfig } from './app-config';
import { PublicUrls } from './public-urls';

/**
 * Provides the already-validated `AppConfig` everywhere, and the `PublicUrls` built from it; each
 * `main.ts` loads it once.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: PublicUrls, useValue: new PublicUrls(config.api.publicUrl) },
      ],
      exports: [AppConfig, PublicUrls],
    };
  }
}
