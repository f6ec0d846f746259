import { isInternalHost } from './internal-host';

describe('isInternalHost', () => {
  it.each([
    'localhost',
    'LOCALHOST.',
    'api.localhost',
    '127.0.0.1',
    '127.8.9.10',
    '[::1]',
    '::1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '[fd00::1]',
    'fc00::1',
    '[fe80::1]',
    '[::ffff:7f00:1]',
    'fal-sim',
    'api',
    'metadata.google.internal',
    'printer.local',
  ])('%s is internal', (host) => {
    expect(isInternalHost(host)).toBe(true);
  });

  it.each([
    'rest.alpha.fal.ai',
    'api.example.com',
    '93.184.216.34',
    '172.32.0.1',
    '[2606:4700::1]',
    'localhost.example.com',
  ])('%s is public', (host) => {
    expect(isInternalHost(host)).toBe(false);
  });
});
