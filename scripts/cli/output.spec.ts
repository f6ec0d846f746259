import { report } from './command';
import { renderError, renderReport } from './output';

describe('CLI output', () => {
  const done = report({ balance: 8, user: { email: 'a@b' } }, (d) => [
    `balance ${d.balance}`,
    `for ${d.user.email}`,
  ]);

  it('prints the text lines by default', () => {
    expect(renderReport(done, false)).toBe('balance 8\nfor a@b\n');
  });

  it('prints the data as one JSON document with --json', () => {
    const printed = renderReport(done, true);
    expect(JSON.parse(printed)).toEqual({ balance: 8, user: { email: 'a@b' } });
    expect(printed.endsWith('}\n')).toBe(true);
  });

  it('report() derives the text from the data and keeps the exit code', () => {
    expect(report({ n: 1 }, (d) => [`n=${d.n}`], 1)).toEqual({
      data: { n: 1 },
      text: ['n=1'],
      exitCode: 1,
    });
  });

  it('a usage mistake: the message, a blank line, the usage', () => {
    expect(renderError('--email is required.', 'Usage: x\n', false)).toBe(
      '--email is required.\n\nUsage: x\n',
    );
    expect(renderError(undefined, 'Usage: x\n', false)).toBe('Usage: x\n');
  });

  it('a failure: the message alone', () => {
    expect(renderError('A user with e-mail a@b already exists.', undefined, false)).toBe(
      'A user with e-mail a@b already exists.\n',
    );
  });

  it('with --json, errors are JSON too', () => {
    expect(JSON.parse(renderError('boom', undefined, true))).toEqual({ error: 'boom' });
    expect(JSON.parse(renderError('bad', 'Usage: x\n', true))).toEqual({
      error: 'bad',
      usage: 'Usage: x\n',
    });
    expect(JSON.parse(renderError(undefined, 'Usage: x\n', true))).toEqual({
      error: 'No command given.',
      usage: 'Usage: x\n',
    });
  });
});
