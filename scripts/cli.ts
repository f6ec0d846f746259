// `npm run cli -- <command> [flags]`: manage users, tokens and credits, check fal. `--help` lists the commands.
import { loadConfigOrExit } from '@app/config';
import { NestFactory } from '@nestjs/core';

import { CliModule } from './cli/cli.module';
import { COMMANDS } from './cli/commands';
import { UsageError } from './cli/command';
import { parseCommandLine } from './cli/command-line';
import { renderError, renderReport } from './cli/output';

/** Exit codes: 0 done, 1 failed (or a check said no), 2 the command line was wrong. */
async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv, COMMANDS);
  if (line.kind === 'help') {
    process.stdout.write(line.text);
    return 0;
  }
  if (line.kind === 'usage-error') {
    process.stderr.write(renderError(line.message, line.usage, line.json));
    return 2;
  }
  const config = loadConfigOrExit();
  const module = line.module ? line.module(config) : CliModule.forRoot(config);
  const app = await NestFactory.createApplicationContext(module, {
    logger: ['error'],
  });
  try {
    const report = await line.work(app);
    process.stdout.write(renderReport(report, line.json));
    return report.exitCode;
  } catch (error) {
    // An unknown --email is the operator's mistake (usage, 2); anything else is a failure (1).
    const usage = error instanceof UsageError ? line.usage : undefined;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(renderError(message, usage, line.json));
    return usage ? 2 : 1;
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
