import { AuthModule } from '@app/auth';
import { AppConfig, ConfigModule } from '@app/config';
import { CreditsModule } from '@app/credits';
import { DatabaseModule } from '@app/database';
import { DynamicModule, Module } from '@nestjs/common';

/** What the CLI needs: the database and the identity and credit services, no queues or HTTP. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(), AuthModule, CreditsModule],
    };
  }
}
