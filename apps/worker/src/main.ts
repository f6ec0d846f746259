import { loadConfigOrExit, startupWarnings } from '@app/config';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';

import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  const logger = new Logger('Worker');
  startupWarnings(config).forEach((warning) => new Logger('Config').warn(warning));
  await app.init();
  logger.log(`worker started (concurrency ${config.worker.concurrency} per queue)`);

  // On SIGTERM/SIGINT the workers stop taking jobs and let active ones finish. Past the grace
  // period we exit anyway: their locks expire and another worker picks them up as stalled jobs,
  // and every step is safe to run twice, so nothing is lost.
  const stop = (signal: string): void => {
    logger.log(`${signal}: finishing active jobs (up to ${config.worker.shutdownGraceMs} ms)`);
    const timer = setTimeout(() => {
      logger.warn(
        'grace period over: exiting with jobs still active; they will run again elsewhere',
      );
      process.exit(1);
    }, config.worker.shutdownGraceMs);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

bootstrap().catch((error: unknown) => {
  new Logger('Worker').error(
    `worker failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
