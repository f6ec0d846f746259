import { signUnsubscribeToken, verifyUnsubscribeToken } from './unsubscribe-token';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const USER = '0b6f5c1e-3a39-4c53-9d55-2f6b0b0e8c11';

describe('unsubscribe tokens', () => {
  it('name the user and channel they were made for', () => {
    const token = signUnsubscribeToken(SECRET, USER, 'email');
    expect(verifyUnsubscribeToken(SECRET, token)).toEqual({ userId: USER, channel: 'email' });
  });

  it('are refused when changed, cut short, or made with another secret', () => {
    const token = signUnsubscribeToken(SECRET, USER, 'email');
    const other = '1b6f5c1e-3a39-4c53-9d55-2f6b0b0e8c11';
    for (const bad of [
      token.replace(USER, other),
      token.replace('.email.', '.push.'),
      `${token.slice(0, -4)}AAAA`,
      token.slice(0, -1),
      signUnsubscribeToken('another-secret-of-at-least-32-characters', USER, 'email'),
      '',
      'a.b.c',
      `${token}.x`,
    ]) {
      expect(verifyUnsubscribeToken(SECRET, bad)).toBeNull();
    }
  });
});
