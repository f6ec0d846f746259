/**
 * The e-mails we send, as pure functions (no I/O) so their wording and escaping are unit-tested.
 * Every value that comes from a user or a model (prompt, reason) is escaped in the HTML body;
 * subjects are fixed strings so no user text can reach a mail header.
 */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export interface InfographReadyMail {
  infographId: string;
  prompt: string;
  imageUrl: string;
  statusUrl: string;
  /** Turns these e-mails off without signing in (also sent as List-Unsubscribe, RFC 8058). */
  unsubscribeUrl?: string;
}

export interface InfographFailedMail {
  infographId: string;
  prompt: string;
  reason: string;
  refundedCredits: number;
  unsubscribeUrl?: string;
}

export const READY_SUBJECT = 'Your infographic is ready';
export const FAILED_SUBJECT = 'Your infographic could not be made';

/** Long prompts (up to 4000 chars) would drown the message; the excerpt is enough to recognise it. */
const PROMPT_EXCERPT_CHARS = 200;

export function infographReadyMail(mail: InfographReadyMail): MailContent {
  const prompt = promptExcerpt(mail.prompt);
  return {
    subject: READY_SUBJECT,
    text: [
      'Your infographic is ready.',
      '',
      `Prompt: ${prompt}`,
      '',
      `Image: ${mail.imageUrl}`,
      `Status: ${mail.statusUrl}`,
      '',
      `Infographic id: ${mail.infographId}`,
      ...unsubscribeText(mail.unsubscribeUrl),
    ].join('\n'),
    html: layout([
      '<p>Your infographic is ready.</p>',
      `<p><strong>Prompt:</strong> ${escapeHtml(prompt)}</p>`,
      `<p>${link(mail.imageUrl, 'View your infographic')}</p>`,
      `<p>${link(mail.statusUrl, 'Status')}</p>`,
      `<p style="color:#666">Infographic id: ${escapeHtml(mail.infographId)}</p>`,
      ...unsubscribeHtml(mail.unsubscribeUrl),
    ]),
  };
}

export function infographFailedMail(mail: InfographFailedMail): MailContent {
  const prompt = promptExcerpt(mail.prompt);
  const refund = refundSentence(mail.refundedCredits);
  return {
    subject: FAILED_SUBJECT,
    text: [
      'Sorry, your infographic could not be made.',
      '',
      `Prompt: ${prompt}`,
      `Reason: ${mail.reason}`,
      '',
      refund,
      '',
      `Infographic id: ${mail.infographId}`,
      ...unsubscribeText(mail.unsubscribeUrl),
    ].join('\n'),
    html: layout([
      '<p>Sorry, your infographic could not be made.</p>',
      `<p><strong>Prompt:</strong> ${escapeHtml(prompt)}</p>`,
      `<p><strong>Reason:</strong> ${escapeHtml(mail.reason)}</p>`,
      `<p>${escapeHtml(refund)}</p>`,
      `<p style="color:#666">Infographic id: ${escapeHtml(mail.infographId)}</p>`,
      ...unsubscribeHtml(mail.unsubscribeUrl),
    ]),
  };
}

export interface VerifyEmailMail {
  /** The web page's link that confirms the address (it carries a single-use token). */
  link: string;
  expiresInHours: number;
}

export interface AccountExistsMail {
  /** A password-reset link, for an owner who forgot their password or never set one. */
  resetLink: string;
  expiresInMinutes: number;
}

export interface PasswordResetMail {
  link: string;
  expiresInMinutes: number;
}

export const VERIFY_EMAIL_SUBJECT = 'Confirm your e-mail address for ainfographic';
export const ACCOUNT_EXISTS_SUBJECT = 'Someone tried to sign up with your e-mail address';
export const PASSWORD_RESET_SUBJECT = 'Reset your ainfographic password';
export const PASSWORD_CHANGED_SUBJECT = 'Your ainfographic password was changed';

const NOT_YOU = 'If this was not you, ignore this e-mail: nothing changes unless the link is used.';

export function verifyEmailMail(mail: VerifyEmailMail): MailContent {
  const lead = 'Welcome to ainfographic. Confirm that this is your e-mail address to sign in:';
  const expiry = `The link works once, for ${hours(mail.expiresInHours)}.`;
  return {
    subject: VERIFY_EMAIL_SUBJECT,
    text: [lead, '', mail.link, '', expiry, NOT_YOU].join('\n'),
    html: layout([
      `<p>${escapeHtml(lead)}</p>`,
      `<p>${link(mail.link, 'Confirm my e-mail address')}</p>`,
      `<p>${escapeHtml(expiry)} ${escapeHtml(NOT_YOU)}</p>`,
    ]),
  };
}

/**
 * To the owner of an address someone tried to sign up with again: it says so, and offers a
 * password reset (which also finishes a sign-up that was never confirmed). The person who tried
 * sees the same answer as for a new address, so nobody learns who has an account.
 */
export function accountExistsMail(mail: AccountExistsMail): MailContent {
  const lead =
    'Someone (perhaps you) tried to sign up for ainfographic with this e-mail address, which already has an account.';
  const next =
    'If it was you: sign in with your password. If you forgot it, or never finished signing up, choose a new one here:';
  const expiry = `The link works once, for ${minutes(mail.expiresInMinutes)}.`;
  return {
    subject: ACCOUNT_EXISTS_SUBJECT,
    text: [lead, '', next, '', mail.resetLink, '', expiry, NOT_YOU].join('\n'),
    html: layout([
      `<p>${escapeHtml(lead)}</p>`,
      `<p>${escapeHtml(next)}</p>`,
      `<p>${link(mail.resetLink, 'Choose a new password')}</p>`,
      `<p>${escapeHtml(expiry)} ${escapeHtml(NOT_YOU)}</p>`,
    ]),
  };
}

export function passwordResetMail(mail: PasswordResetMail): MailContent {
  const lead = 'Someone (perhaps you) asked to reset the password of your ainfographic account.';
  const next = 'Choose a new password here; every browser signed in to your account is signed out:';
  const expiry = `The link works once, for ${minutes(mail.expiresInMinutes)}.`;
  return {
    subject: PASSWORD_RESET_SUBJECT,
    text: [lead, '', next, '', mail.link, '', expiry, NOT_YOU].join('\n'),
    html: layout([
      `<p>${escapeHtml(lead)}</p>`,
      `<p>${escapeHtml(next)}</p>`,
      `<p>${link(mail.link, 'Choose a new password')}</p>`,
      `<p>${escapeHtml(expiry)} ${escapeHtml(NOT_YOU)}</p>`,
    ]),
  };
}

/** After a reset: tells the owner, so a reset they did not make does not go unnoticed. */
export function passwordChangedMail(): MailContent {
  const lead =
    'The password of your ainfographic account was just changed, and every browser signed in to it was signed out. Your API keys still work.';
  const next =
    'If this was not you, reset your password at once ("Forgot your password?" on the sign-in page) and revoke any API key you do not recognise.';
  return {
    subject: PASSWORD_CHANGED_SUBJECT,
    text: [lead, '', next].join('\n'),
    html: layout([`<p>${escapeHtml(lead)}</p>`, `<p>${escapeHtml(next)}</p>`]),
  };
}

export interface WebhookEndpointDisabledMail {
  endpointId: string;
  url: string;
  failingSince: Date;
}

export const WEBHOOK_DISABLED_SUBJECT = 'A webhook endpoint of yours was disabled';

/** Deliveries to one of the user's endpoints failed for too long: nothing more is sent to it. */
export function webhookEndpointDisabledMail(mail: WebhookEndpointDisabledMail): MailContent {
  const lead = `Every delivery to your webhook endpoint ${mail.url} has failed since ${mail.failingSince.toISOString()}, so we disabled it: no more events are sent to it.`;
  const path = `/api/webhook-endpoints/${mail.endpointId}`;
  const next = `Its deliveries and why each failed: GET ${path}/deliveries/. Once it answers again, re-enable it (POST ${path}/enable/) and send the events you need again.`;
  return {
    subject: WEBHOOK_DISABLED_SUBJECT,
    text: [lead, '', next].join('\n'),
    html: layout([`<p>${escapeHtml(lead)}</p>`, `<p>${escapeHtml(next)}</p>`]),
  };
}

const UNSUBSCRIBE_LEAD = 'No more e-mails about finished infographics?';

function unsubscribeText(url: string | undefined): string[] {
  return url ? ['', `${UNSUBSCRIBE_LEAD} Unsubscribe: ${url}`] : [];
}

function unsubscribeHtml(url: string | undefined): string[] {
  return url
    ? [`<p style="color:#666">${escapeHtml(UNSUBSCRIBE_LEAD)} ${link(url, 'Unsubscribe')}</p>`]
    : [];
}

const hours = (n: number): string => (n === 1 ? '1 hour' : `${n} hours`);
const minutes = (n: number): string =>
  n % 60 === 0 ? hours(n / 60) : n === 1 ? '1 minute' : `${n} minutes`;

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Whitespace collapsed (a prompt may span lines) and cut to a readable length. */
export function promptExcerpt(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length <= PROMPT_EXCERPT_CHARS
    ? flat
    : `${flat.slice(0, PROMPT_EXCERPT_CHARS - 1).trimEnd()}…`;
}

function refundSentence(credits: number): string {
  if (credits <= 0) {
    return 'No credits were charged for it.';
  }
  return `We refunded ${credits} credit${credits === 1 ? '' : 's'} to your balance.`;
}

/** Only http(s) URLs become links: anything else (e.g. `javascript:`) is shown as inert text. */
function link(url: string, label: string): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    return `${escapeHtml(label)}: ${escapeHtml(url)}`;
  }
  return `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;
}

function layout(paragraphs: string[]): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif;line-height:1.5">',
    ...paragraphs,
    '</body></html>',
  ].join('\n');
}
