import type { Infograph } from '@app/database';
import { FAILED_SUBJECT, READY_SUBJECT, promptExcerpt } from '@app/notifications';

/** What the page's service worker receives (JSON, encrypted per RFC 8291) and shows. */
export interface PushPayload {
  title: string;
  body: string;
  /** The page, opened on this infograph when the notification is clicked. */
  url: string;
  /** The image, where the platform shows one in a notification; null for a failure. */
  image: string | null;
  /** The infograph's id: a newer notification for it replaces the older one. */
  tag: string;
  infograph_id: string;
  status: 'completed' | 'failed';
}

/** Push services take about 4 kB; a short excerpt keeps every payload well below it. */
const BODY_CHARS = 140;

/**
 * The notification for a finished infograph. `webUrl` is the web page's origin (PUBLIC_WEB_URL);
 * `#infograph=<id>` is how the page is told to show one.
 */
export function pushPayloadFor(
  i: Pick<Infograph, 'id' | 'status' | 'prompt' | 'imageUrl' | 'errorMessage'>,
  webUrl: string,
): PushPayload {
  const completed = i.status === 'completed';
  const text = completed
    ? promptExcerpt(i.prompt)
    : `${promptExcerpt(i.prompt)} — ${i.errorMessage ?? 'unknown error'}`;
  return {
    title: completed ? READY_SUBJECT : FAILED_SUBJECT,
    body: text.length <= BODY_CHARS ? text : `${text.slice(0, BODY_CHARS - 1).trimEnd()}…`,
    url: infographPageLink(webUrl, i.id),
    image: completed ? i.imageUrl : null,
    tag: i.id,
    infograph_id: i.id,
    status: completed ? 'completed' : 'failed',
  };
}

export function infographPageLink(webUrl: string, infographId: string): string {
  return `${webUrl.replace(/\/+$/, '')}/#infograph=${encodeURIComponent(infographId)}`;
}
