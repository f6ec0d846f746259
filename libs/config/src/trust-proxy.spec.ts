import { parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy', () => {
  it.each([
    ['', false],
    ['false', false],
    ['TRUE', true],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.7', ['10.0.0.0/8', '192.168.1.7']],
    ['loopback,uniquelocal,fd00::/8', ['loopback', 'uniquelocal', 'fd00::/8']],
  ])('reads %j', (value, expected) => {
    expect(parseTrustProxy(value)).toEqual(expected);
  });

  it.each([
    'yes',
    '10.0.0.0/33',
    '10.0.0.1,',
    'proxy.example.com',
    '::1/129',
    '1.2.3.4/8/9',
    '100',
  ])('refuses %j', (value) => {
    expect(parseTrustProxy(value)).toBeUndefined();
  });
});
