import { closeButtons } from './account';
import type { Card } from './cards';
import { byId, safeUrl } from './dom';
import { dateOf, fileNameOf, titleOf } from './infograph-words';
import type { InfographView } from './types';

export interface ViewerOptions {
  /** The infograph as the server has it now: its size is known only there. */
  fetch: (id: string) => Promise<InfographView>;
}

/**
 * The lightbox: one finished image, large, with its full prompt, date and size, a link to copy
 * and a download named after the prompt. A modal <dialog>: the browser keeps the focus inside,
 * Esc closes it, and the focus goes back to the image that opened it.
 */
export class Viewer {
  private readonly dialog = byId<HTMLDialogElement>('viewer');
  private readonly image = byId<HTMLImageElement>('viewer-image');
  private readonly download = byId<HTMLAnchorElement>('viewer-download');
  private readonly copied = byId('viewer-copied');
  private url = '';
  /** Bumped on every open, so a slow answer for an earlier image is dropped. */
  private opened = 0;

  constructor(private readonly options: ViewerOptions) {
    closeButtons(this.dialog);
    // A click on the backdrop (the dialog box itself, outside its content) closes it too.
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog) {
        this.dialog.close();
      }
    });
    byId('viewer-copy').addEventListener('click', () => void this.copy());
  }

  /** Opens a card's image, or any infograph's (`{ details }`, a notification's link). */
  open(card: Pick<Card, 'details'>, from: HTMLElement): void {
    const data = card.details;
    const url = safeUrl(data.image_url);
    if (!url) {
      return;
    }
    this.url = url;
    const opened = ++this.opened;
    const title = titleOf(data.prompt);
    byId('viewer-title').textContent = title;
    byId('viewer-prompt').textContent = data.prompt;
    const date = byId<HTMLTimeElement>('viewer-date');
    date.textContent = dateOf(data.created_at);
    date.dateTime = data.created_at;
    this.showSize(data);
    this.image.src = url;
    this.image.alt = `Infographic: ${data.prompt}`;
    this.download.href = url;
    this.download.download = fileNameOf(data.prompt, url);
    this.download.setAttribute('aria-label', `Download ${title}`);
    this.copied.textContent = '';
    this.dialog.showModal();
    // Chromium gives the focus back to the opener on close; the others may not.
    this.dialog.addEventListener('close', () => from.isConnected && from.focus(), { once: true });
    if (data.width === null || data.width === undefined) {
      void this.options.fetch(data.id).then(
        (view) => {
          if (opened === this.opened) {
            this.showSize(view);
          }
        },
        () => undefined,
      );
    }
  }

  close(): void {
    if (this.dialog.open) {
      this.dialog.close();
    }
  }

  private showSize(data: {
    width?: number | null;
    height?: number | null;
    resolution: string;
    aspect_ratio: string;
  }): void {
    const pixels = data.width && data.height ? `${data.width} × ${data.height} px · ` : '';
    byId('viewer-size').textContent = `${pixels}${data.resolution} · ${data.aspect_ratio}`;
  }

  /** The clipboard API needs a secure page; elsewhere the link is selected for the reader to copy. */
  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.url);
      this.copied.textContent = 'Link copied.';
    } catch {
      const field = byId<HTMLInputElement>('viewer-link');
      field.hidden = false;
      field.value = this.url;
      field.select();
      this.copied.textContent = 'Copy the selected link.';
    }
  }
}
