import { byId, el } from './dom';

export type Tone = 'info' | 'success' | 'error';

/**
 * The page-wide message line under the top bar (a polite live region, always rendered so screen
 * readers hear every change): what a mailed link did, a payment coming back, signing out.
 */
export function notify(message: string, tone: Tone = 'info'): void {
  const notice = byId('notice');
  notice.dataset.tone = tone;
  const dismiss = el('button', 'notice-close', '×');
  dismiss.type = 'button';
  dismiss.setAttribute('aria-label', 'Dismiss this message');
  dismiss.addEventListener('click', () => clearNotice());
  notice.replaceChildren(el('p', undefined, message), dismiss);
}

export function clearNotice(): void {
  const notice = byId('notice');
  notice.replaceChildren();
  delete notice.dataset.tone;
}
