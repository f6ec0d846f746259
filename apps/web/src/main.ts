import { ApiClient, ApiError } from './api';
import { CardRegistry } from './cards';
import { byId } from './dom';
import { CreateForm, PRICE_4K, PRICE_PER_IMAGE } from './form';
import { History } from './history';
import { type Connection, LiveUpdates } from './socket';
import type { CreateRequest } from './types';

const TOKEN_KEY = 'ainfographic.token';

const cards = new CardRegistry();
let api: ApiClient | null = null;
let balance: number | null = null;
let live: LiveUpdates | null = null;

const history = new History(() => requireApi(), cards);
const form = new CreateForm({ balance: () => balance, submit: create });

function requireApi(): ApiClient {
  if (!api) {
    throw new Error('Not connected.');
  }
  return api;
}

function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function writeToken(token: string | null): void {
  try {
    if (token) {
      localStorage.setItem(TOKEN_KEY, token);
    } else {
      localStorage.removeItem(TOKEN_KEY);
    }
  } catch {
    // Private mode without storage: the token lasts for this page only.
  }
}

/** Checks the token against `/api/me/`; on success shows the app and starts live updates. */
async function connect(token: string): Promise<void> {
  const client = new ApiClient(token);
  const me = await client.me();
  api = client;
  writeToken(token);
  byId('user-email').textContent = me.email;
  setBalance(me.balance);
  byId('token-panel').hidden = true;
  byId('account').hidden = false;
  byId('app').hidden = false;
  live?.stop();
  live = new LiveUpdates({
    url: () =>
      client.socketUrl().catch((failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 401) {
          // Revoked while the page was open (the socket closes with 4401): ask for a new token.
          disconnect('This token is no longer valid. Paste a new one.');
        }
        throw failure;
      }),
    unfinished: () => cards.unfinished(),
    fetchStatus: (id) => client.status(id),
    onConnection: showConnection,
    onUpdate: (update) => {
      if (cards.apply(update)) {
        // Completed changes nothing, failed refunds: either way, show the server's number.
        void refreshBalance();
      }
    },
  });
  live.start();
  void refreshBalance();
  await history.reload();
}

function disconnect(message = ''): void {
  live?.stop();
  live = null;
  api = null;
  writeToken(null);
  cards.clear();
  byId('recent-grid').replaceChildren();
  byId('recent').hidden = true;
  byId('app').hidden = true;
  byId('account').hidden = true;
  byId('token-panel').hidden = false;
  byId('token-error').textContent = message;
  byId<HTMLInputElement>('token-input').focus();
}

async function refreshBalance(): Promise<void> {
  try {
    setBalance((await requireApi().credits()).balance);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      disconnect('This token is no longer valid. Paste a new one.');
    }
  }
}

function setBalance(value: number): void {
  balance = value;
  byId('balance-value').textContent = String(value);
  form.refresh();
}

async function create(request: CreateRequest, idempotencyKey: string): Promise<void> {
  const response = await requireApi().create(request, idempotencyKey);
  const recent = byId('recent-grid');
  const perImage = request.resolution === '4K' ? PRICE_4K : PRICE_PER_IMAGE;
  // Newest first, in the order the api returned them.
  for (const infograph of [...response.infographs].reverse()) {
    const card = cards.add({
      id: infograph.id,
      status: infograph.status,
      image_url: null,
      error_message: null,
      updated_at: '',
      prompt: request.prompt.trim(),
      aspect_ratio: request.aspect_ratio,
      resolution: request.resolution,
      credits: response.credits_used / response.infographs.length || perImage,
    });
    recent.prepend(card.element);
  }
  byId('recent').hidden = false;
  // "No infographics here yet" is no longer true; the history shows them on its next load.
  byId('history-empty').hidden = true;
  void refreshBalance();
}

function showConnection(state: Connection): void {
  const indicator = byId('connection');
  indicator.dataset.state = state;
  byId('connection-text').textContent =
    state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting · polling';
  indicator.title =
    state === 'polling'
      ? 'Live updates are down; checking every 5 seconds while reconnecting.'
      : 'Updates arrive as they happen.';
}

byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('token-input');
  const token = input.value.trim();
  const error = byId('token-error');
  if (!token) {
    error.textContent = 'Paste your API token first.';
    return;
  }
  error.textContent = '';
  connect(token).then(
    () => {
      input.value = '';
    },
    (failure: unknown) => {
      error.textContent =
        failure instanceof ApiError && failure.status === 401
          ? 'That token was not accepted. Check it and try again.'
          : (failure as Error).message;
    },
  );
});

byId('change-token').addEventListener('click', () => disconnect());

const saved = readToken();
if (saved) {
  connect(saved).catch((failure: unknown) => {
    disconnect(
      failure instanceof ApiError && failure.status === 401
        ? 'Your saved token is no longer valid. Paste a new one.'
        : (failure as Error).message,
    );
    if (!(failure instanceof ApiError && failure.status === 401)) {
      // A server hiccup is no reason to forget a good token.
      writeToken(saved);
    }
  });
} else {
  disconnect();
}
