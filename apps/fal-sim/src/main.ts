import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { buildFalSim } from './fal-sim.app';
import { readSimEnv, SimEnvError } from './sim-env';

/** fal-sim's entry point: `node dist/apps/fal-sim/src/main.js`. */
async function main(): Promise<void> {
  const dotEnv = resolve(process.cwd(), '.env');
  if (existsSync(dotEnv)) {
    // Real environment variables win over .env, as in the other apps.
    process.loadEnvFile(dotEnv);
  }
  let options;
  try {
    options = readSimEnv(process.env);
  } catch (error) {
    if (error instanceof SimEnvError) {
      process.stderr.write(`${error.message}\nSee docs/fal-sim.md for every setting.\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = await buildFalSim(options);
  app.log.info(
    {
      latencyMs: options.latencyMs,
      latencyProfile: options.latencyProfile,
      concurrency: options.concurrency,
      seed: options.seed ?? '(random)',
      userId: options.userId,
    },
    'fal-sim ready',
  );

  let closing = false;
  const stop = (signal: string): void => {
    if (closing) {
      return;
    }
    closing = true;
    app.log.info({ signal }, 'fal-sim shutting down');
    // A hard deadline so a stuck connection cannot keep the process alive.
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `fal-sim failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
