import { byId, el } from './dom';

/** How long a toast stays once the page is looked at again (it waits while the tab is hidden). */
const TOAST_MS = 10_000;
const MAX_TOASTS = 3;

export interface Finished {
  id: string;
  title: string;
  status: 'completed' | 'failed';
  /** Why it failed (the card's words), when it did. */
  reason?: string | null;
}

/**
 * Tells the user an infographic finished. Always in the status region (a polite live region, so
 * screen readers hear completions as well as failures); while the tab is hidden also with a toast
 * waiting on the page and a count in the tab's title and favicon ("(2) ainfographic"), cleared
 * when the tab is looked at again.
 */
export class Attention {
  private readonly baseTitle = document.title;
  private readonly icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  private readonly baseIcon = this.icon?.getAttribute('href') ?? '';
  private unseen = 0;
  /** Finished while hidden: told to `seen` once the page is visible again. */
  private readonly waitingToBeSeen = new Set<string>();

  constructor(private readonly seen: (id: string) => void) {
    const back = (): void => {
      if (document.visibilityState === 'visible') {
        this.clear();
      }
    };
    document.addEventListener('visibilitychange', back);
    window.addEventListener('focus', back);
  }

  finished(done: Finished): void {
    const text =
      done.status === 'completed'
        ? `Your infographic is ready: ${done.title}.`
        : `Your infographic failed: ${done.title}.${done.reason ? ` ${done.reason}` : ''}`;
    this.announce(text);
    if (document.visibilityState === 'visible') {
      this.seen(done.id);
      return;
    }
    this.waitingToBeSeen.add(done.id);
    this.unseen += 1;
    this.toast(text, done.status === 'completed' ? 'success' : 'error');
    this.badge();
  }

  /** The page is looked at: badges off, toasts go after a while, results count as seen. */
  clear(): void {
    for (const id of this.waitingToBeSeen) {
      this.seen(id);
    }
    this.waitingToBeSeen.clear();
    if (this.unseen === 0) {
      return;
    }
    this.unseen = 0;
    document.title = this.baseTitle;
    if (this.icon) {
      this.icon.href = this.baseIcon;
    }
    for (const toast of byId('toasts').children) {
      window.setTimeout(() => toast.remove(), TOAST_MS);
    }
  }

  private announce(text: string): void {
    // Emptied first, so the same words twice (two images of one prompt) are announced twice.
    const region = byId('live-status');
    region.textContent = '';
    window.setTimeout(() => (region.textContent = text), 50);
  }

  private toast(text: string, tone: 'success' | 'error'): void {
    const list = byId('toasts');
    const toast = el('div', 'toast');
    toast.dataset.tone = tone;
    const dismiss = el('button', 'notice-close', '×');
    dismiss.type = 'button';
    dismiss.setAttribute('aria-label', 'Dismiss this message');
    dismiss.addEventListener('click', () => toast.remove());
    toast.append(el('p', undefined, text), dismiss);
    list.prepend(toast);
    while (list.children.length > MAX_TOASTS) {
      list.lastElementChild?.remove();
    }
  }

  private badge(): void {
    document.title = `(${this.unseen}) ${this.baseTitle}`;
    void this.drawIcon(this.unseen);
  }

  /** The favicon with a red dot and the count: drawn on a canvas from the page's own icon. */
  private async drawIcon(count: number): Promise<void> {
    if (!this.icon || !this.baseIcon) {
      return;
    }
    try {
      const image = new Image();
      image.src = this.baseIcon;
      await image.decode();
      const size = 64;
      const canvas = document.createElement('canvas');
      canvas.width = size;
      canvas.height = size;
      const context = canvas.getContext('2d');
      if (!context || this.unseen !== count) {
        return;
      }
      context.drawImage(image, 0, 0, size, size);
      context.fillStyle = '#d93025';
      context.beginPath();
      context.arc(size - 18, 18, 18, 0, 2 * Math.PI);
      context.fill();
      context.fillStyle = '#fff';
      context.font = 'bold 26px sans-serif';
      context.textAlign = 'center';
      context.textBaseline = 'middle';
      context.fillText(count > 9 ? '9+' : String(count), size - 18, 19);
      this.icon.href = canvas.toDataURL('image/png');
    } catch {
      // No canvas or no image: the title still says it.
    }
  }
}
