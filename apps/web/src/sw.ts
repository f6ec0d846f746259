// The service worker (bundled on its own to /sw.js, un-hashed so its URL never changes). It
// shows the push notifications the server sends when an infographic finishes, and a click on
// one brings the page forward on that infographic (or opens it). It caches nothing: the page
// is served fresh by the api.

/** The payload the api sends (libs/notify push-payload). */
interface PushPayload {
  title: string;
  body: string;
  url: string;
  image: string | null;
  tag: string;
}

/** The parts of the worker's global scope used here (the DOM typings describe a page). */
interface WorkerScope {
  location: Location;
  registration: ServiceWorkerRegistration;
  clients: {
    claim(): Promise<void>;
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: string, listener: (event: WorkerEvent) => void): void;
}

interface WindowLike {
  url: string;
  focus(): Promise<unknown>;
  postMessage(message: unknown): void;
}

interface WorkerEvent {
  waitUntil(promise: Promise<unknown>): void;
  data?: { json(): unknown } | null;
  notification?: Notification;
}

const worker = self as unknown as WorkerScope;

worker.addEventListener('install', (event) => event.waitUntil(worker.skipWaiting()));
worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener('push', (event) => {
  const payload = readPayload(event.data);
  if (!payload) {
    return;
  }
  const options: NotificationOptions & { image?: string; renotify?: boolean } = {
    body: payload.body,
    icon: '/favicon.svg',
    badge: '/favicon.svg',
    tag: payload.tag,
    renotify: true,
    data: { url: sameOrigin(payload.url) },
  };
  if (payload.image) {
    // A thumbnail where the platform shows one (Chrome on desktop and Android).
    options.image = payload.image;
  }
  event.waitUntil(worker.registration.showNotification(payload.title, options));
});

worker.addEventListener('notificationclick', (event) => {
  const notification = event.notification;
  notification?.close();
  const data = notification?.data as { url?: unknown } | undefined;
  const url = typeof data?.url === 'string' ? data.url : worker.location.origin + '/';
  event.waitUntil(focusOrOpen(url));
});

/** An open page of ours is focused and told where to go; else the link opens in a new window. */
async function focusOrOpen(url: string): Promise<void> {
  const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const page = windows.find((client) => client.url.startsWith(worker.location.origin));
  if (page) {
    await page.focus();
    page.postMessage({ type: 'open', url });
    return;
  }
  await worker.clients.openWindow(url);
}

function readPayload(data: WorkerEvent['data']): PushPayload | null {
  try {
    const value = data?.json() as Partial<PushPayload> | undefined;
    if (typeof value?.title !== 'string') {
      return null;
    }
    return {
      title: value.title,
      body: typeof value.body === 'string' ? value.body : '',
      url: typeof value.url === 'string' ? value.url : '/',
      image: typeof value.image === 'string' ? value.image : null,
      tag: typeof value.tag === 'string' ? value.tag : '',
    };
  } catch {
    return null;
  }
}

/** Only links to our own page are opened from a notification. */
function sameOrigin(url: string): string {
  try {
    const parsed = new URL(url, worker.location.origin);
    return parsed.origin === worker.location.origin ? parsed.href : worker.location.origin + '/';
  } catch {
    return worker.location.origin + '/';
  }
}
