// `npm run cli -- <command> [flags]`: manage users, tokens and credits.
import { parseArgs } from 'node:util';

import { loadConfigOrExit } from '@app/config';
import { NestFactory } from '@nestjs/core';

import { CliModule } from './cli/cli.module';
import { COMMANDS, UsageError } from './cli/commands';

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([, c]) => `  ${c.usage.padEnd(60)} ${c.summary}`);
  return `Usage: npm run cli -- <command> [flags]\n\nCommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`${name ? `Unknown command "${name}".\n\n` : ''}${usage()}`);
    return 2;
  }
  let flags;
  try {
    flags = parseArgs({
      args: rest,
      options: command.flags,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\nUsage: npm run cli -- ${command.usage}\n`);
    return 2;
  }
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: ['error'],
  });
  try {
    return await command.run(app, flags, (line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\nUsage: npm run cli -- ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
