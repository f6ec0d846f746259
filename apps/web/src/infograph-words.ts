import type { Status } from './types';

/**
 * The one word for each state, used by the badges and the history filter alike, so what a card
 * says is what the filter offers. A cancelled infograph is `failed` with `error_code` `cancelled`
 * (docs/contract.md): its badge says so, and the filter's "failed" choice names both.
 */
export const STATUS_WORDS: Record<Status, string> = {
  pending: 'Queued',
  processing: 'Generating',
  completed: 'Ready',
  failed: 'Failed',
};
export const CANCELLED_WORD = 'Cancelled';
export const FILTER_WORDS: Record<Status, string> = {
  ...STATUS_WORDS,
  failed: `${STATUS_WORDS.failed} or ${CANCELLED_WORD.toLowerCase()}`,
};

export function isCancelled(data: { status: Status; error_code?: string | null }): boolean {
  return data.status === 'failed' && data.error_code === 'cancelled';
}

/** A short name for an infograph, from its prompt: what buttons and links say they act on. */
export function titleOf(prompt: string, max = 60): string {
  const text = prompt.replace(/\s+/g, ' ').trim();
  if (text.length <= max) {
    return text || 'Untitled infographic';
  }
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:–-]+$/, '')}…`;
}

/**
 * A download's file name from the prompt: lower-case ASCII words joined by dashes, at most 60
 * characters, with the image's own extension ("how-solar-panels-work.png").
 */
export function fileNameOf(prompt: string, imageUrl: string): string {
  const words = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  let stem = words.slice(0, 60);
  if (words.length > 60 && stem.includes('-')) {
    stem = stem.slice(0, stem.lastIndexOf('-'));
  }
  const extension = /\.(png|jpe?g|webp)(?:$|[?#])/i.exec(imageUrl)?.[1]?.toLowerCase() ?? 'png';
  return `${stem || 'infographic'}.${extension}`;
}

/** "29 Nov 2026, 23:40" in the reader's locale; empty when unknown. */
export function dateOf(iso: string | null | undefined): string {
  const date = iso ? new Date(iso) : null;
  if (!date || Number.isNaN(date.getTime())) {
    return '';
  }
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
