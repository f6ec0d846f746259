import { generateVapidKeys } from '@app/notify';
import { Module } from '@nestjs/common';

import { type Command, UsageError, report } from './command';
import { optionalString } from './flags';

/** Nothing to connect to: the keys are made on this machine. */
@Module({})
class NoServicesModule {}

export interface VapidKeys {
  VAPID_PUBLIC_KEY: string;
  VAPID_PRIVATE_KEY: string;
  VAPID_SUBJECT: string;
}

/** The keys as `.env` lines: paste them, restart api and worker, and Web Push is on. */
export function formatVapidKeys(keys: VapidKeys): string[] {
  return [
    '# Web Push (VAPID) keys: the private one is a secret; keep the pair for good, since',
    '# browsers subscribed with this public key stop receiving pushes when it changes.',
    ...Object.entries(keys).map(([name, value]) => `${name}=${value}`),
  ];
}

export const pushVapidKeys: Command = {
  summary: 'Make a fresh VAPID key pair for Web Push, printed as .env lines',
  usage: 'push:vapid-keys [--subject <mailto:ops@example.com | https://example.com>]',
  flags: { subject: { type: 'string' } },
  module: () => ({ module: NoServicesModule }),
  prepare(flags) {
    const subject = optionalString(flags, 'subject', 'mailto:ops@example.com');
    if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(subject)) {
      throw new UsageError('--subject must be a mailto: address or an https:// URL.');
    }
    return () => {
      const { publicKey, privateKey } = generateVapidKeys();
      return Promise.resolve(
        report(
          { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey, VAPID_SUBJECT: subject },
          formatVapidKeys,
        ),
      );
    };
  },
};
