// `npm start`: checks Postgres and Redis, migrates, makes sure the demo user exists, then runs
// api, worker and fal-sim together with prefixed logs until Ctrl-C (which stops all three).
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { ApiTokensService, UsersService } from '@app/auth';
import { AppConfig, loadConfigOrExit } from '@app/config';
import { CreditsService } from '@app/credits';
import { NestFactory } from '@nestjs/core';

import { CliModule } from './cli/cli.module';
import { migrate } from './db-migrate';
import { ServiceUnavailableError, ensureServices } from './ensure-services';

const APPS = [
  { name: 'fal-sim', colour: 35, entry: 'apps/fal-sim/src/main.js', simulatorOnly: true },
  { name: 'api', colour: 36, entry: 'apps/api/src/main.js', simulatorOnly: false },
  { name: 'worker', colour: 33, entry: 'apps/worker/src/main.js', simulatorOnly: false },
];

/** The demo user and its configured token, so a developer always has a working token at hand. */
async function ensureDemoUser(config: AppConfig): Promise<string> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: ['error'],
  });
  try {
    const users = app.get(UsersService);
    const tokens = app.get(ApiTokensService);
    let user = await users.findByEmail(config.demo.email);
    if (!user) {
      user = await users.create(config.demo.email);
      if (config.demo.credits > 0) {
        await app.get(CreditsService).grant(user.id, config.demo.credits, { note: 'demo credits' });
      }
    }
    const existing = await tokens.findByPlainToken(config.demo.token);
    if (!existing) {
      await tokens.issue(user.id, { name: 'demo', plainToken: config.demo.token });
    } else if (existing.userId !== user.id || existing.revokedAt) {
      throw new Error(
        'DEMO_API_TOKEN belongs to another user or was revoked; set a new DEMO_API_TOKEN in .env.',
      );
    }
    return config.demo.token;
  } finally {
    await app.close();
  }
}

function run(app: (typeof APPS)[number]): ChildProcess {
  const child = spawn(process.execPath, [join(__dirname, '..', app.entry)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  const prefix = process.stdout.isTTY
    ? `\x1b[${app.colour}m[${app.name}]\x1b[0m `
    : `[${app.name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) =>
      process.stdout.write(`${prefix}${line}\n`),
    );
  }
  return child;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.env === 'production') {
    throw new Error(
      'npm start is the local all-in-one runner; in production run start:api and start:worker.',
    );
  }
  await ensureServices(config);
  const applied = await migrate(config.database.directUrl, config);
  if (applied.length > 0) {
    console.log(`Applied migrations: ${applied.join(', ')}`);
  }
  const token = await ensureDemoUser(config);

  const children = APPS.filter((a) => config.fal.simulated || !a.simulatorOnly).map((a) => ({
    app: a,
    child: run(a),
  }));
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    for (const { child } of children) {
      child.kill('SIGTERM');
    }
    // Give each app its graceful shutdown, then make sure nothing is left behind.
    const timer = setTimeout(() => {
      for (const { child } of children) {
        child.kill('SIGKILL');
      }
      process.exit(code);
    }, config.worker.shutdownGraceMs + 5000);
    timer.unref();
    void Promise.all(
      children.map(
        ({ child }) =>
          new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r))),
      ),
    ).then(() => process.exit(code));
  };
  for (const { app, child } of children) {
    child.once('exit', (code, signal) => {
      if (!stopping) {
        console.error(`[${app.name}] exited (${signal ?? `code ${code}`}); stopping the others.`);
        stop(1);
      }
    });
  }
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  const base = `http://${config.api.host}:${config.api.port}`;
  console.log(`
ainfographic is starting: api ${base}, worker health :${config.worker.healthPort}${config.fal.simulated ? `, fal-sim :${config.fal.simPort}` : ''}
Demo user ${config.demo.email}, API token: ${token}
Try:  curl -H "Authorization: Token ${token}" ${base}/api/me/
Ctrl-C stops everything.
`);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ServiceUnavailableError ? `Cannot start: ${error.message}` : error,
  );
  process.exit(1);
});
