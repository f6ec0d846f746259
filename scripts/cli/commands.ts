import type { Command } from './command';
import { creditsAdjust, creditsCheck, creditsGrant } from './credit-commands';
import { falSmoke } from './fal-commands';
import { infographRerun } from './infograph-commands';
import { pushVapidKeys } from './push-commands';
import { tokenCreate, tokenList, tokenRevoke } from './token-commands';
import { userCreate, usersList } from './user-commands';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: Record<string, Command> = {
  'user:create': userCreate,
  'token:create': tokenCreate,
  'token:list': tokenList,
  'token:revoke': tokenRevoke,
  'credits:grant': creditsGrant,
  'credits:adjust': creditsAdjust,
  'users:list': usersList,
  'credits:check': creditsCheck,
  'infograph:rerun': infographRerun,
  'fal:smoke': falSmoke,
  'push:vapid-keys': pushVapidKeys,
};
