import type { AppConfig } from '@app/config';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';

/** A CLI mistake: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

export type Flags = Record<string, string | boolean | undefined>;

/** What a command did: `data` is its `--json` output, `text` the same facts for a person. */
export interface Report {
  data: object;
  text: string[];
  /** 0 done; 1 it ran but the answer is "no" (a failed check, nothing to revoke). */
  exitCode: 0 | 1;
}

export interface Command {
  summary: string;
  usage: string;
  flags: Record<string, { type: 'string' | 'boolean' }>;
  /**
   * Checks the flags without touching the database (throws UsageError), and returns the work.
   * Split so that every flag mistake is found, and unit-tested, before anything connects.
   */
  prepare(flags: Flags): (app: INestApplicationContext) => Promise<Report>;
  /**
   * The application context the work runs in. Default: the database with the identity and credit
   * services (CliModule); a command that needs no database says so, so it runs without one.
   */
  module?: (config: AppConfig) => DynamicModule;
}

/** A report whose text is derived from its data, so the two can never say different things. */
export function report<T extends object>(
  data: T,
  format: (data: T) => string[],
  exitCode: 0 | 1 = 0,
): Report {
  return { data, text: format(data), exitCode };
}
