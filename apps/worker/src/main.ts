import { loadConfigOrExit } from '@app/config';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: config.logLevel === 'silent' ? false : undefined,
  });
  // SIGTERM/SIGINT close the context: workers stop taking jobs and finish active ones first.
  app.enableShutdownHooks();
  await app.init();
  new Logger('Worker').log('worker started');
}

bootstrap().catch((error: unknown) => {
  new Logger('Worker').error(
    `worker failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
