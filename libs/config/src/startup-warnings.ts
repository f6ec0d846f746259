import type { AppConfig } from './app-config';

/**
 * What each app logs loudly at start about settings it accepts but that are unsafe for real
 * users: the production guard lets them through only because an operator asked for it by name.
 */
export function startupWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  if (config.env === 'production' && config.fal.simulated) {
    warnings.push(
      '!!! UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION=true: running in production on fal-sim, trusting ' +
        `webhooks signed by its keys (${config.fal.jwksUrl}). No real images are made. Staging ` +
        'stacks only: set FAL_KEY for real users. !!!',
    );
  }
  if (config.env === 'production' && !config.mail.smtpUrl) {
    // Sign-up and password-reset links are credentials: in the log they reach whoever reads it.
    warnings.push(
      'SMTP_URL is empty: e-mails are written to the log instead of sent, so nobody can confirm ' +
        'a sign-up or reset a password, and the log holds those links. Set SMTP_URL for real users.',
    );
  }
  return warnings;
}
