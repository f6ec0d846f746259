import type { Command, Flags } from './command';
import { COMMANDS } from './commands';
import { commandUsage, parseCommandLine, usage } from './command-line';

function parse(argv: string[]) {
  return parseCommandLine(argv, COMMANDS);
}

describe('parseCommandLine: help', () => {
  it.each([['--help'], ['-h'], ['help']])('%s prints the full usage', (arg) => {
    const line = parse([arg]);
    expect(line).toEqual({ kind: 'help', text: usage(COMMANDS) });
  });

  it('the full usage lists every command with its summary', () => {
    const text = usage(COMMANDS);
    expect(text.startsWith('Usage: npm run cli -- <command> [flags]\n')).toBe(true);
    for (const command of Object.values(COMMANDS)) {
      expect(text).toContain(command.usage);
      expect(text).toContain(command.summary);
    }
    expect(text).toContain('--json');
  });

  it.each([
    [['help', 'credits:adjust']],
    [['--help', 'credits:adjust']],
    [['credits:adjust', '--help']],
    [['credits:adjust', '-h']],
    // --help wins over missing or wrong flags: asking how is never an error.
    [['credits:adjust', '--amount', 'x', '--help']],
  ])('%j prints that command’s usage', (argv) => {
    expect(parse(argv)).toEqual({ kind: 'help', text: commandUsage(COMMANDS['credits:adjust']) });
  });

  it('help for an unknown command falls back to the full usage', () => {
    expect(parse(['help', 'nope'])).toEqual({ kind: 'help', text: usage(COMMANDS) });
  });
});

describe('parseCommandLine: mistakes', () => {
  it('no command: the usage, as an error', () => {
    expect(parse([])).toEqual({ kind: 'usage-error', usage: usage(COMMANDS), json: false });
  });

  it('an unknown command names it', () => {
    expect(parse(['nope', '--json'])).toEqual({
      kind: 'usage-error',
      message: 'Unknown command "nope".',
      usage: usage(COMMANDS),
      json: true,
    });
  });

  it('does not take an inherited property for a command', () => {
    expect(parse(['constructor'])).toMatchObject({ kind: 'usage-error' });
    expect(parse(['toString'])).toMatchObject({ kind: 'usage-error' });
  });

  it.each([
    [['user:create'], '--email is required.'],
    [['user:create', '--email', 'x@y', '--bogus'], "Unknown option '--bogus'"],
    [['user:create', '--email', 'not-an-email'], '--email not-an-email is not an e-mail address.'],
    [['user:create', '--email', 'x@y', 'extra'], "Unexpected argument 'extra'"],
    [['user:create', '--email'], "Option '--email <value>' argument missing"],
    [['user:create', '--email', 'x@y', '--credits', '-1'], '--credits must be a whole number'],
    [['credits:grant', '--email', 'a@b', '--amount', '-4'], '--amount must be a whole number'],
    [['credits:grant', '--email', 'a@b', '--amount', '0'], '--amount must be a whole number'],
    [['credits:grant', '--email', 'a@b', '--amount', '1.5'], '--amount must be a whole number'],
    [['credits:grant', '--email', 'a@b', '--amount', '9999999999'], '--amount must be at most'],
    [['credits:adjust', '--email', 'a@b', '--amount', '-4'], '--note is required.'],
    [['credits:adjust', '--email', 'a@b', '--amount', '5', '--note', '  '], '--note is required.'],
    [['credits:adjust', '--email', 'a@b', '--amount', '0', '--note', 'n'], 'non-zero whole'],
    [['credits:adjust', '--email', 'a@b', '--amount', '-0', '--note', 'n'], 'non-zero whole'],
    [['credits:adjust', '--email', 'a@b', '--amount', 'five', '--note', 'n'], 'non-zero whole'],
    [['credits:adjust', '--email', 'a@b', '--note', 'n'], 'non-zero whole'],
    [['token:revoke', '--id', 'abc'], '--id abc is not a token id'],
    [['fal:smoke', '--listen', 'abc'], '--listen must be a port or host:port'],
    [['fal:smoke', '--listen', '127.0.0.1:70000'], '--listen must be a port or host:port'],
    [['fal:smoke', '--webhook-url', 'ftp://x.example.com'], '--webhook-url must be an http(s) URL'],
    [['fal:smoke', '--webhook-url', 'not a url'], '--webhook-url must be an http(s) URL'],
    [['fal:smoke', '--refuse-first', '6'], '--refuse-first must be at most 5.'],
    [['fal:smoke', '--refuse-first', '-1'], '--refuse-first must be a whole number of 0 or more.'],
    [['fal:smoke', '--timeout', '5'], '--timeout must be a whole number of 10 or more.'],
  ])('%j is refused before connecting: %s', (argv, message) => {
    const line = parse(argv);
    expect(line.kind).toBe('usage-error');
    expect(line.kind === 'usage-error' && line.message).toContain(message);
    expect(line.kind === 'usage-error' && line.usage).toBe(commandUsage(COMMANDS[argv[0]]));
  });

  it('says whether --json was asked for, wherever it stands', () => {
    expect(parse(['user:create', '--json'])).toMatchObject({ kind: 'usage-error', json: true });
    expect(parse(['--json', 'user:create'])).toMatchObject({ kind: 'usage-error', json: true });
  });
});

describe('parseCommandLine: a command to run', () => {
  /** A command that records the flags it was prepared with. */
  function recording(): { command: Command; seen: Flags[] } {
    const seen: Flags[] = [];
    const command: Command = {
      summary: 'Test',
      usage: 'test --amount <n>',
      flags: { amount: { type: 'string' }, note: { type: 'string' }, yes: { type: 'boolean' } },
      prepare(flags) {
        seen.push(flags);
        return () => Promise.resolve({ data: {}, text: [], exitCode: 0 });
      },
    };
    return { command, seen };
  }

  it('passes the command its own flags, without --json and --help', () => {
    const { command, seen } = recording();
    const line = parseCommandLine(['test', '--amount', '3', '--yes', '--json'], { test: command });
    expect(line).toMatchObject({ kind: 'run', json: true, usage: commandUsage(command) });
    expect({ ...seen[0] }).toEqual({ amount: '3', yes: true });
  });

  it.each([
    [['--amount', '-5'], '-5'],
    [['--amount=-5'], '-5'],
    [['--amount', '+5'], '+5'],
    [['--note', '-3', '--amount', '-2'], '-2'],
  ])('reads %j as an amount of %s', (args, amount) => {
    const { command, seen } = recording();
    expect(parseCommandLine(['test', ...args], { test: command }).kind).toBe('run');
    expect(seen[0].amount).toBe(amount);
  });

  it('joins a negative number only onto a flag that takes a value', () => {
    const { command } = recording();
    expect(parseCommandLine(['test', '--yes', '-5'], { test: command })).toMatchObject({
      kind: 'usage-error',
    });
  });

  it('runs fal:smoke in a context of its own (no database), with or without flags', () => {
    for (const argv of [
      ['fal:smoke'],
      ['fal:smoke', '--listen', '[::1]:8787', '--webhook-url', 'https://a.example.com/hook'],
    ]) {
      const line = parse(argv);
      expect(line).toMatchObject({ kind: 'run', module: COMMANDS['fal:smoke'].module });
      expect(line.kind === 'run' && line.module).toEqual(expect.any(Function));
    }
    expect(parse(['users:list'])).toMatchObject({ kind: 'run', module: undefined });
  });

  it('defaults to text output', () => {
    expect(parse(['users:list'])).toMatchObject({ kind: 'run', json: false });
    expect(
      parse(['credits:adjust', '--email', 'a@b', '--amount', '-3', '--note', 'n']),
    ).toMatchObject({ kind: 'run' });
  });
});
