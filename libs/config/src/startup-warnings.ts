import type { AppConfig } from './app-config';

/**
 * What each app logs loudly at start about settings it accepts but that are unsafe for real
 * users: the production guard lets them through only because an operator asked for it by name.
 */
export function startupWarnings(config: AppConfig): string[] {
  if (config.env === 'production' && config.fal.simulated) {
    return [
      '!!! UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION=true: running in production on fal-sim, trusting ' +
        `webhooks signed by its keys (${config.fal.jwksUrl}). No real images are made. Staging ` +
        'stacks only: set FAL_KEY for real users. !!!',
    ];
  }
  return [];
}
