import { parseArgs } from 'node:util';

import type { INestApplicationContext } from '@nestjs/common';

import { type Command, type Report, UsageError } from './command';

const PROGRAM = 'npm run cli --';

/** Flags every command takes. */
const COMMON_FLAGS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What the command line asks for; deciding it touches nothing, so it is unit-tested. */
export type CommandLine =
  | { kind: 'help'; text: string }
  | { kind: 'usage-error'; message?: string; usage: string; json: boolean }
  | {
      kind: 'run';
      usage: string;
      json: boolean;
      work: (app: INestApplicationContext) => Promise<Report>;
      module?: Command['module'];
    };

export function usage(commands: Record<string, Command>): string {
  const lines = Object.entries(commands).map(([, c]) => `  ${c.usage.padEnd(62)} ${c.summary}`);
  return [
    `Usage: ${PROGRAM} <command> [flags]`,
    '',
    'Commands:',
    ...lines,
    '',
    'Every command takes --json (print the result as JSON on stdout) and --help.',
    `${PROGRAM} help <command> shows one command.`,
    '',
  ].join('\n');
}

export function commandUsage(command: Command): string {
  return `Usage: ${PROGRAM} ${command.usage} [--json]\n\n${command.summary}.\n`;
}

const isParseArgsError = (error: unknown) =>
  String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');

const isHelp = (arg: string | undefined) => arg === 'help' || arg === '--help' || arg === '-h';

/**
 * `--amount -5` reads as a value to an operator, but to parseArgs as an ambiguous option: join a
 * negative number onto the string flag before it (`--amount=-5`).
 */
function joinNegativeValues(args: string[], command: Command): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    const next = args[i + 1];
    if (name && command.flags[name]?.type === 'string' && next && /^-\d+$/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  return joined;
}

export function parseCommandLine(argv: string[], commands: Record<string, Command>): CommandLine {
  const json = argv.includes('--json');
  const [first, ...rest] = argv.filter((arg) => arg !== '--json');
  if (first === undefined) {
    return { kind: 'usage-error', usage: usage(commands), json };
  }
  if (isHelp(first)) {
    const named = rest[0] === undefined ? undefined : commands[rest[0]];
    return { kind: 'help', text: named ? commandUsage(named) : usage(commands) };
  }
  const command = Object.hasOwn(commands, first) ? commands[first] : undefined;
  if (!command) {
    return {
      kind: 'usage-error',
      message: `Unknown command "${first}".`,
      usage: usage(commands),
      json,
    };
  }
  const commandHelp = commandUsage(command);
  try {
    const { values } = parseArgs({
      args: joinNegativeValues(rest, command),
      options: { ...command.flags, ...COMMON_FLAGS },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      return { kind: 'help', text: commandHelp };
    }
    const { json: _json, help: _help, ...flags } = values;
    const work = command.prepare(flags);
    return { kind: 'run', usage: commandHelp, json, work, module: command.module };
  } catch (error) {
    // parseArgs' own errors (unknown option, missing value) are usage mistakes too.
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError || isParseArgsError(error)) {
      return { kind: 'usage-error', message, usage: commandHelp, json };
    }
    throw error;
  }
}
