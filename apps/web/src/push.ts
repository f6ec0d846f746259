import { ApiClient, ApiError } from './api';
import { byId } from './dom';

/** "Not now" is remembered, so the offer does not come back at every create. */
const DECLINED_KEY = 'ainfographic.push-declined';

export interface PushOfferOptions {
  api: () => ApiClient;
  announce: (message: string, tone: 'info' | 'success' | 'error') => void;
}

/**
 * Push notifications, offered at the right moment: after the user's first create on this page
 * (never on load) the service worker is registered at /sw.js, and if the server sends pushes a
 * small "Get notified" bar asks; the browser's permission dialog comes only from its button's
 * click. With permission the subscription goes to the server, which then sends a notification
 * when an infographic finishes, even with the page closed.
 */
export class PushOffer {
  private offered = false;
  private registration?: ServiceWorkerRegistration;
  private key?: string;

  constructor(private readonly options: PushOfferOptions) {
    byId('push-enable').addEventListener('click', () => void this.enable());
    byId('push-later').addEventListener('click', () => {
      remember(DECLINED_KEY, '1');
      this.hideBar();
    });
  }

  /** True when this browser can take push notifications at all. */
  static supported(): boolean {
    return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  }

  /** After a create: once per page, register the worker and offer (or renew) notifications. */
  async afterCreate(): Promise<void> {
    if (this.offered || !('serviceWorker' in navigator)) {
      return;
    }
    this.offered = true;
    try {
      this.registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    } catch {
      return;
    }
    if (!PushOffer.supported() || Notification.permission === 'denied') {
      return;
    }
    const settings = await this.options
      .api()
      .pushSettings()
      .catch(() => null);
    if (!settings?.enabled || !settings.vapid_public_key) {
      return;
    }
    this.key = settings.vapid_public_key;
    if (Notification.permission === 'granted') {
      // Asked before: keep the server's copy of the subscription current, without asking again.
      await this.subscribe().catch(() => undefined);
      return;
    }
    if (recall(DECLINED_KEY) !== '1') {
      byId('push-offer').hidden = false;
    }
  }

  /** Forgets the page's state at sign-out (the browser's permission stays the browser's). */
  reset(): void {
    this.offered = false;
    this.hideBar();
  }

  /** The "Get notified" click: the permission dialog, from the user's gesture. */
  private async enable(): Promise<void> {
    this.hideBar();
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      this.options.announce(
        'Notifications are off: your browser settings can turn them on later.',
        'info',
      );
      return;
    }
    try {
      await this.subscribe();
      this.options.announce(
        'Notifications are on: we will tell you when an infographic is ready.',
        'success',
      );
    } catch (error) {
      this.options.announce(
        `Could not turn notifications on: ${error instanceof Error ? error.message : 'unknown error'}`,
        'error',
      );
    }
  }

  private async subscribe(): Promise<void> {
    if (!this.registration || !this.key) {
      return;
    }
    const ready = await navigator.serviceWorker.ready;
    const subscription =
      (await ready.pushManager.getSubscription()) ??
      (await ready.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: base64UrlToBytes(this.key),
      }));
    try {
      await this.options.api().subscribePush(subscription.toJSON());
    } catch (error) {
      // 404: the server has no push endpoint (an older api): nothing to do.
      if (!(error instanceof ApiError && error.status === 404)) {
        throw error;
      }
    }
  }

  private hideBar(): void {
    byId('push-offer').hidden = true;
  }
}

function base64UrlToBytes(value: string): Uint8Array {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function remember(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode: forgotten with the page.
  }
}

function recall(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
