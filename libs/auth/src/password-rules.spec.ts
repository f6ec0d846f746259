import { passwordProblem } from './password-rules';

const EMAIL = 'ada.lovelace@example.com';

describe('password rules', () => {
  it.each([
    'correct horse battery staple',
    'Tr0ub4dor&3-extended',
    'mx8$kq2Lp0zW',
    'ünïcödé pässwörd 42',
    '0123456789'.replace(/./g, (d) => String((Number(d) * 7) % 10)) + 'q', // 0741852963q
  ])('accepts %j', (password) => {
    expect(passwordProblem(password, EMAIL)).toBeNull();
  });

  it.each([
    ['shorter than 10 characters', 'abc!9Xz$q', 'password_too_short'],
    [
      '10 emoji count as 10 characters, not 20',
      '🙂🙃😉😊😇🥰😍🤩😘😗'.slice(0, 9 * 2),
      'password_too_short',
    ],
    ['over 200 characters', 'x1y2z3'.repeat(34), 'password_too_long'],
    ['the e-mail address itself', 'Ada.Lovelace@example.com', 'password_contains_email'],
    ['containing the e-mail address', 'my Ada.Lovelace@example.com!', 'password_contains_email'],
    ['containing the address’s name part', 'xx-ada.lovelace-99', 'password_contains_email'],
    ['a common password', 'qwertyuiop', 'password_too_common'],
    ['a common password in capitals', 'PASSWORD123', 'password_too_common'],
    ['a common word with digits and symbols added', 'Password2024!', 'password_too_common'],
    ['another common word, decorated', '!!Sunshine12345', 'password_too_common'],
    ['one character repeated', 'aaaaaaaaaaaa', 'password_too_simple'],
    ['two characters alternating', 'abababababab', 'password_too_simple'],
    ['a short group repeated', 'x7k!x7k!x7k!', 'password_too_simple'],
    ['a run of the alphabet', 'bcdefghijklm', 'password_too_simple'],
    ['a run of digits, backwards', '9876543210987', 'password_too_simple'],
    ['a stretch of a keyboard row', 'asdfghjklzx', 'password_too_simple'],
  ])('refuses a password %s', (_name, password, code) => {
    const problem = passwordProblem(password, EMAIL);
    expect(problem?.code).toBe(code);
    expect(problem?.message).toMatch(/^password: /);
  });

  it('ignores a name part too short to mean anything', () => {
    expect(passwordProblem('al is my cat 42x', 'al@example.com')).toBeNull();
  });
});
