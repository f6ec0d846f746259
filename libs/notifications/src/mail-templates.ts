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
}

export interface InfographFailedMail {
  infographId: string;
  prompt: string;
  reason: string;
  refundedCredits: number;
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
    ].join('\n'),
    html: layout([
      '<p>Your infographic is ready.</p>',
      `<p><strong>Prompt:</strong> ${escapeHtml(prompt)}</p>`,
      `<p>${link(mail.imageUrl, 'View your infographic')}</p>`,
      `<p>${link(mail.statusUrl, 'Status')}</p>`,
      `<p style="color:#666">Infographic id: ${escapeHtml(mail.infographId)}</p>`,
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
    ].join('\n'),
    html: layout([
      '<p>Sorry, your infographic could not be made.</p>',
      `<p><strong>Prompt:</strong> ${escapeHtml(prompt)}</p>`,
      `<p><strong>Reason:</strong> ${escapeHtml(mail.reason)}</p>`,
      `<p>${escapeHtml(refund)}</p>`,
      `<p style="color:#666">Infographic id: ${escapeHtml(mail.infographId)}</p>`,
    ]),
  };
}

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
