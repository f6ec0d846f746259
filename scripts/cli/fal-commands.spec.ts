import { UsageError } from './command';
import { listenAddress, webhookUrl } from './fal-commands';

describe('fal:smoke flags', () => {
  it.each([
    [undefined, { host: '127.0.0.1', port: 0 }],
    ['8787', { host: '127.0.0.1', port: 8787 }],
    ['0.0.0.0:8787', { host: '0.0.0.0', port: 8787 }],
    ['[::1]:8787', { host: '::1', port: 8787 }],
    ['localhost:9000', { host: 'localhost', port: 9000 }],
  ])('--listen %s listens on %j', (listen, address) => {
    expect(listenAddress({ listen })).toEqual(address);
  });

  it.each(['', ':', 'host:', '8787x', '99999'])('refuses --listen %j', (listen) => {
    expect(() => listenAddress({ listen })).toThrow(UsageError);
  });

  it('takes an http(s) --webhook-url as given, and none by default', () => {
    expect(webhookUrl({ 'webhook-url': ' https://abc.trycloudflare.com/hook ' })).toBe(
      'https://abc.trycloudflare.com/hook',
    );
    expect(webhookUrl({})).toBeUndefined();
    expect(() => webhookUrl({ 'webhook-url': 'mailto:x@y' })).toThrow(UsageError);
  });
});
