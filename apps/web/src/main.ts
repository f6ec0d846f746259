import { AccountDialog } from './account';
import { ApiClient, ApiError, messageOf, publicApi } from './api';
import { Attention } from './attention';
import { AuthScreen } from './auth';
import { type Card, CardRegistry, fromView } from './cards';
import { byId } from './dom';
import { CreateForm, DEFAULT_PRICES, newKey, pricePerImage } from './form';
import { History } from './history';
import { renderExamples, renderPricing } from './landing';
import {
  type CheckoutReturn,
  type MailedLink,
  takeCheckoutReturn,
  takeInfographLink,
  takeMailedLink,
} from './links';
import { clearNotice, notify } from './notice';
import { Purchases } from './purchases';
import { PushOffer } from './push';
import { type Connection, LiveUpdates } from './socket';
import type { CreateRequest, CreateResponse, Me, Prices } from './types';
import { Viewer } from './viewer';

/** A developer's pasted API token (the "Use an API token" disclosure); sessions use a cookie. */
const TOKEN_KEY = 'ainfographic.token';

const cards = new CardRegistry({
  cancel: cancelInfograph,
  remove: deleteInfograph,
  regenerate,
  view: (card, from) => viewer.open(card, from),
});
/** A "try again" or "variations" key per source and count, reused if that request failed. */
const regenerateKeys = new Map<string, string>();
let api: ApiClient | null = null;
let balance: number | null = null;
let prices: Prices = DEFAULT_PRICES;
let live: LiveUpdates | null = null;
let connection: Connection = 'connecting';
/** Stripe's return, kept until someone is signed in to follow it. */
let pendingReturn: CheckoutReturn | null = null;
/** A notification's link to one infograph, kept until someone is signed in to show it. */
let pendingInfograph: string | null = null;

const history = new History(() => requireApi(), cards);
const viewer = new Viewer({ fetch: (id) => requireApi().status(id) });
// Before the form, which asks it whether buying is offered.
const purchases = new Purchases({
  api: () => requireApi(),
  live: () => connection === 'live',
  refreshBalance,
  announce: notify,
  changed: () => form.refresh(),
});
const form = new CreateForm({
  balance: () => balance,
  prices: () => prices,
  canBuy: () => purchases.available,
  buy: () => purchases.open(),
  submit: create,
});
const attention = new Attention((id) => {
  // The result was seen here, so the server skips its e-mail. Best effort (404: an older api).
  void api?.markSeen(id).catch(() => undefined);
});
const push = new PushOffer({ api: () => requireApi(), announce: notify });
const account = new AccountDialog({
  api: () => requireApi(),
  deleted: () => {
    leave();
    notify('Your account is deleted, with its images and keys. Thank you for trying us.', 'info');
    byId('landing-title').focus();
  },
});
const auth = new AuthScreen({
  signedIn: async (session) => {
    if (!session.csrf_token) {
      throw new Error('The server started no session: try again.');
    }
    await enter(new ApiClient({ kind: 'session', csrfToken: session.csrf_token }), session.user, {
      focus: true,
    });
  },
  useToken: async (token) => {
    const client = new ApiClient({ kind: 'token', token });
    const me = await client.me();
    writeToken(token);
    await enter(client, me, { focus: true });
  },
  announce: notify,
});

function requireApi(): ApiClient {
  if (!api) {
    throw new Error('Not signed in.');
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

/** Shows the app for `me`, starts live updates, and follows a checkout that just came back. */
async function enter(client: ApiClient, me: Me, options: { focus: boolean }): Promise<void> {
  api = client;
  clearNotice();
  byId('user-email').textContent = me.email;
  setBalance(me.balance);
  byId('landing').hidden = true;
  byId('guest-nav').hidden = true;
  byId('account').hidden = false;
  byId('app').hidden = false;
  if (options.focus) {
    // The form that had the focus is gone: start where the work is.
    byId('prompt').focus();
  }
  live?.stop();
  live = new LiveUpdates({
    url: (lastEventId) =>
      client.socketUrl(lastEventId).catch((failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 401) {
          // Signed out elsewhere, expired or revoked while the page was open (the socket closes
          // with 4401 and the ticket is refused).
          ended();
        }
        throw failure;
      }),
    unfinished: () => cards.unfinished(),
    fetchStatus: (id) => client.status(id),
    onConnection: (state) => {
      showConnection(state);
      // Socket up: read the balance once (cheap, and right even if the server lost its events).
      if (state === 'live') {
        void refreshBalance();
      }
      purchases.nudge();
    },
    // Away longer than the server keeps events: the cards are re-read on hello; the list too.
    onResync: () => {
      void refreshBalance();
      void history.reload();
    },
    onBalance: (value) => {
      setBalance(value);
      purchases.nudge();
    },
    onUpdate: (update) => {
      if (cards.apply(update)) {
        // Completed changes nothing, failed refunds: either way, show the server's number.
        void refreshBalance();
        const card = cards.get(update.id);
        if (card && (card.status === 'completed' || card.status === 'failed')) {
          attention.finished({
            id: card.id,
            title: card.title,
            status: card.status,
            reason: card.details.error_message,
          });
        }
      }
    },
  });
  live.start();
  void refreshBalance();
  if (pendingReturn) {
    const back = pendingReturn;
    pendingReturn = null;
    void purchases.followReturn(back);
  }
  await history.reload();
  if (pendingInfograph) {
    const id = pendingInfograph;
    pendingInfograph = null;
    await showInfograph(id);
  }
}

/** Opens one infograph's image (a notification's link); one still working is just listed. */
async function showInfograph(id: string): Promise<void> {
  try {
    viewer.open({ details: fromView(await requireApi().status(id)) }, byId('prompt'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      notify('That infographic is no longer there.', 'info');
    }
  }
}

/** Back to the first screen: forgets everything of the account on the page. */
function leave(): void {
  live?.stop();
  live = null;
  api = null;
  balance = null;
  writeToken(null);
  purchases.stop();
  push.reset();
  account.close();
  viewer.close();
  regenerateKeys.clear();
  cards.clear();
  byId('recent-grid').replaceChildren();
  byId('recent').hidden = true;
  byId('app').hidden = true;
  byId('account').hidden = true;
  showLanding();
}

function showLanding(): void {
  byId('landing').hidden = false;
  byId('guest-nav').hidden = false;
}

/** The credential stopped working while the page was open. */
function ended(): void {
  if (!api) {
    return;
  }
  const token = api.credentials.kind === 'token';
  leave();
  auth.show('signin', false);
  notify(
    token
      ? 'This API token is no longer valid: paste a new one, or sign in.'
      : 'Your session has ended: sign in again.',
    'error',
  );
  byId('signin-email').focus();
}

async function signOut(): Promise<void> {
  const client = api;
  if (client?.credentials.kind === 'session') {
    try {
      await client.signOut();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) {
        notify(`Could not sign out: ${messageOf(error)}`, 'error');
        return;
      }
    }
  }
  leave();
  auth.show('signin', false);
  notify('You are signed out.', 'info');
  byId('landing-title').focus();
}

async function refreshBalance(): Promise<void> {
  try {
    setBalance((await requireApi().credits()).balance);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      ended();
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
  showCreated(response, { ...request, prompt: request.prompt.trim() });
  // Only now, not on load: the moment a notification makes sense is while one is being made.
  void push.afterCreate();
}

/**
 * New infographs (a create, a "try again", "variations") as cards in "Just created", newest
 * first; the focus goes to that heading and the first new card is scrolled into view (on a phone
 * it is below the form).
 */
function showCreated(
  response: CreateResponse,
  request: { prompt: string; aspect_ratio: string; resolution: string },
): void {
  const recent = byId('recent-grid');
  const perImage = pricePerImage(prices, request.resolution);
  const now = new Date().toISOString();
  // Newest first, in the order the api returned them.
  for (const infograph of [...response.infographs].reverse()) {
    const card = cards.add({
      id: infograph.id,
      status: infograph.status,
      image_url: null,
      error_message: null,
      error_code: null,
      updated_at: '',
      created_at: now,
      prompt: request.prompt,
      aspect_ratio: request.aspect_ratio,
      resolution: request.resolution,
      credits: response.credits_used / response.infographs.length || perImage,
    });
    recent.prepend(card.element);
  }
  byId('recent').hidden = false;
  // "No infographics here yet" is no longer true; the history shows them on its next load.
  byId('history-empty').hidden = true;
  byId('recent-title').focus({ preventScroll: true });
  recent.firstElementChild?.scrollIntoView({ block: 'nearest' });
  void refreshBalance();
}

/** Cancelled and refunded at once; one that finished first is shown as it finished. */
async function cancelInfograph(card: Card): Promise<void> {
  const client = requireApi();
  try {
    cards.apply(await client.cancel(card.id));
    notify('Cancelled: its credits are back.', 'success');
  } catch (error) {
    if (error instanceof ApiError && error.code === 'infograph_finished') {
      cards.apply((await client.status(card.id).catch(() => null)) ?? { ...card.details });
      notify('It finished before the cancel arrived.', 'info');
    } else if (error instanceof ApiError && error.status === 404) {
      dropCard(card);
    } else {
      notify(`Could not cancel: ${messageOf(error)}`, 'error');
      return;
    }
  }
  void refreshBalance();
}

async function deleteInfograph(card: Card): Promise<void> {
  try {
    await requireApi().deleteInfograph(card.id);
  } catch (error) {
    // 404: already gone (deleted in another tab, say), which is what was asked.
    if (!(error instanceof ApiError && error.status === 404)) {
      notify(`Could not delete: ${messageOf(error)}`, 'error');
      return;
    }
  }
  dropCard(card);
  notify(`Deleted “${card.title}”.`, 'info');
  // An unfinished one was cancelled first, and refunded.
  void refreshBalance();
}

/** Takes a card off the page; the focus goes to its neighbour, or to its section's heading. */
function dropCard(card: Card): void {
  const element = card.element;
  const grid = element.parentElement;
  const hadFocus = element.contains(document.activeElement);
  const next = (element.nextElementSibling ?? element.previousElementSibling) as HTMLElement | null;
  cards.remove(card.id);
  const inRecent = grid?.id === 'recent-grid';
  if (inRecent && grid.childElementCount === 0) {
    byId('recent').hidden = true;
  }
  if (grid?.id === 'history-grid') {
    history.showEmpty();
  }
  if (hadFocus || !document.activeElement || document.activeElement === document.body) {
    (
      next ?? byId(inRecent && grid.childElementCount > 0 ? 'recent-title' : 'history-title')
    ).focus();
  }
}

/** "Try again" (count 1) or "variations": a charged create from the card's prompt and settings. */
async function regenerate(card: Card, count: number): Promise<void> {
  const slot = `${card.id}:${count}`;
  const key = regenerateKeys.get(slot) ?? newKey();
  regenerateKeys.set(slot, key);
  try {
    const response = await requireApi().regenerate(card.id, { number_of_infographs: count }, key);
    regenerateKeys.delete(slot);
    showCreated(response, card.details);
  } catch (error) {
    if (error instanceof ApiError && error.status < 500 && error.status !== 0) {
      // Refused (short of credits, rate limited): a later click is a new request.
      regenerateKeys.delete(slot);
    }
    notify(messageOf(error), 'error');
  }
}

function showConnection(state: Connection): void {
  connection = state;
  const indicator = byId('connection');
  indicator.dataset.state = state;
  byId('connection-text').textContent =
    state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting · polling';
  indicator.title =
    state === 'polling'
      ? 'Live updates are down; checking every 5 seconds while reconnecting.'
      : 'Updates arrive as they happen.';
}

/** A mailed link opened on this page (at load, or into an open page: `hashchange`). */
async function followLink(link: MailedLink): Promise<void> {
  if (link.kind === 'reset-password') {
    // Setting a new password signs every browser out, this one included.
    if (api) {
      leave();
    }
    showLanding();
    auth.startReset(link.token);
    return;
  }
  await auth.verify(link.token);
}

/** Prices and packs: the first screen's price list, the form's estimate, "Buy credits". */
async function loadPricing(): Promise<void> {
  const [answer, packs] = await Promise.all([
    publicApi.prices().catch(() => null),
    purchases.load(),
  ]);
  if (answer) {
    prices = answer;
  }
  renderPricing(prices, packs?.purchases_enabled ? packs.packs : []);
  form.refresh();
}

/** Who is here: a saved developer token, else the session cookie, else nobody. */
async function restore(): Promise<boolean> {
  const saved = readToken();
  if (saved) {
    const client = new ApiClient({ kind: 'token', token: saved });
    try {
      await enter(client, await client.me(), { focus: false });
      return true;
    } catch (failure) {
      if (!(failure instanceof ApiError && failure.status === 401)) {
        // A server hiccup is no reason to forget a good token.
        notify(messageOf(failure), 'error');
        return false;
      }
      writeToken(null);
      notify('Your saved API token is no longer valid.', 'error');
    }
  }
  try {
    const session = await publicApi.session();
    if (session.csrf_token) {
      await enter(new ApiClient({ kind: 'session', csrfToken: session.csrf_token }), session.user, {
        focus: false,
      });
      return true;
    }
  } catch (failure) {
    if (!(failure instanceof ApiError && failure.status === 401)) {
      notify(messageOf(failure), 'error');
    }
  }
  return false;
}

async function start(): Promise<void> {
  renderExamples();
  const link = takeMailedLink();
  pendingInfograph = takeInfographLink();
  pendingReturn = takeCheckoutReturn();
  void loadPricing();
  if (link?.kind === 'reset-password') {
    await followLink(link);
    return;
  }
  if (!(await restore())) {
    showLanding();
    auth.show('signin', false);
    if (pendingReturn) {
      notify(
        pendingReturn.outcome === 'success'
          ? 'Thank you! Sign in to see your credits.'
          : 'Checkout cancelled: nothing was charged.',
        pendingReturn.outcome === 'success' ? 'success' : 'info',
      );
    }
  }
  if (link) {
    await followLink(link);
  }
}

byId('sign-out').addEventListener('click', () => void signOut());
byId('account-open').addEventListener('click', () => {
  account.open(byId('user-email').textContent ?? '');
});
window.addEventListener('hashchange', () => {
  const link = takeMailedLink();
  if (link) {
    void followLink(link);
  }
  const infograph = takeInfographLink();
  if (infograph) {
    openLinked(infograph);
  }
});
// A click on a push notification while this page is open (see sw.ts): show that infograph.
navigator.serviceWorker?.addEventListener('message', (event: MessageEvent) => {
  const data = event.data as { type?: unknown; url?: unknown } | null;
  if (data?.type === 'open' && typeof data.url === 'string') {
    const infograph = takeInfographLink(new URL(data.url, location.href).hash);
    if (infograph) {
      openLinked(infograph);
    }
  }
});

function openLinked(id: string): void {
  if (api) {
    void showInfograph(id);
  } else {
    pendingInfograph = id;
  }
}

void start();
