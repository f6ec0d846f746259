import type { INestApplicationContext } from '@nestjs/common';

import { UsageError } from './command';
import { pushVapidKeys } from './push-commands';

describe('push:vapid-keys', () => {
  it('prints a fresh P-256 key pair as .env lines', async () => {
    const run = pushVapidKeys.prepare({ subject: 'mailto:ops@example.com' });
    const report = await run({} as INestApplicationContext);
    const lines = report.text.filter((line) => !line.startsWith('#'));
    expect(lines).toEqual([
      expect.stringMatching(/^VAPID_PUBLIC_KEY=[A-Za-z0-9_-]{87}$/),
      expect.stringMatching(/^VAPID_PRIVATE_KEY=[A-Za-z0-9_-]{43}$/),
      'VAPID_SUBJECT=mailto:ops@example.com',
    ]);
    const again = await run({} as INestApplicationContext);
    expect(again.data).not.toEqual(report.data);
  });

  it('refuses a subject push services cannot contact', () => {
    expect(() => pushVapidKeys.prepare({ subject: 'ops@example.com' })).toThrow(UsageError);
  });
});
