import type {
  ApiKey,
  Checkout,
  CreateRequest,
  CreateResponse,
  CreatedApiKey,
  CreditPacks,
  Credits,
  HistoryPage,
  InfographView,
  Me,
  NotificationSettings,
  Prices,
  Purchase,
  PushSettings,
  RegenerateRequest,
  Session,
  Status,
} from './types';

/**
 * An error answer: `messages` are the api's `message`, always as a list ("field: reason" for 400),
 * and `code` its stable machine-readable reason, when it gave one (`invalid_credentials`, …).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
    readonly code?: string,
  ) {
    super(messages.join('\n') || `HTTP ${status}`);
  }
}

/**
 * How the page proves who it is: the session cookie of a password sign-in (the browser sends it;
 * every write also carries the session's CSRF token), or an API token a developer pasted.
 */
export type Credentials = { kind: 'session'; csrfToken: string } | { kind: 'token'; token: string };

/** The calls made before signing in, and the sign-in itself: no credentials. */
export const publicApi = {
  prices: (): Promise<Prices> => call<Prices>('GET', '/api/credits/prices/'),
  packs: (): Promise<CreditPacks> => call<CreditPacks>('GET', '/api/credits/packs/'),
  /** The session this browser's cookie holds, if any (401 when none). */
  session: (): Promise<Session> => call<Session>('GET', '/api/auth/session/'),
  login: (email: string, password: string): Promise<Session> =>
    call<Session>('POST', '/api/auth/login/', { body: { email, password } }),
  signUp: (email: string, password: string): Promise<{ message: string }> =>
    call('POST', '/api/auth/signup/', { body: { email, password } }),
  verifyEmail: (token: string): Promise<{ message: string }> =>
    call('POST', '/api/auth/verify/', { body: { token } }),
  resendVerification: (email: string): Promise<{ message: string }> =>
    call('POST', '/api/auth/verify/resend/', { body: { email } }),
  requestPasswordReset: (email: string): Promise<{ message: string }> =>
    call('POST', '/api/auth/password-reset/', { body: { email } }),
  confirmPasswordReset: (token: string, password: string): Promise<{ message: string }> =>
    call('POST', '/api/auth/password-reset/confirm/', { body: { token, password } }),
};

/** The api, same origin, as the signed-in user. */
export class ApiClient {
  constructor(readonly credentials: Credentials) {}

  me(): Promise<Me> {
    return this.request<Me>('GET', '/api/me/');
  }

  credits(): Promise<Credits> {
    return this.request<Credits>('GET', '/api/credits/');
  }

  status(id: string): Promise<InfographView> {
    return this.request<InfographView>('GET', `/api/infographs/status/${encodeURIComponent(id)}/`);
  }

  history(query: { status?: Status; limit: number; cursor?: string }): Promise<HistoryPage> {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.status) {
      params.set('status', query.status);
    }
    if (query.cursor) {
      params.set('cursor', query.cursor);
    }
    return this.request<HistoryPage>('GET', `/api/infographs/?${params.toString()}`);
  }

  /** The key makes a retried submit (double click, flaky network) create the images once. */
  create(body: CreateRequest, idempotencyKey: string): Promise<CreateResponse> {
    return this.request<CreateResponse>('POST', '/api/infographs/create/', body, {
      'idempotency-key': idempotencyKey,
    });
  }

  /** Stops an unfinished infograph: failed, `error_code` `cancelled`, refunded (409 once finished). */
  cancel(id: string): Promise<InfographView> {
    return this.request<InfographView>('POST', `/api/infographs/${encodeURIComponent(id)}/cancel/`);
  }

  /** Removes it and its image (an unfinished one is cancelled first); 404 when already gone. */
  deleteInfograph(id: string): Promise<void> {
    return this.request('DELETE', `/api/infographs/${encodeURIComponent(id)}/`);
  }

  /** "Try again" and "variations": a charged create from `id`'s prompt and settings. */
  regenerate(id: string, body: RegenerateRequest, idempotencyKey: string): Promise<CreateResponse> {
    return this.request<CreateResponse>(
      'POST',
      `/api/infographs/${encodeURIComponent(id)}/regenerate/`,
      body,
      { 'idempotency-key': idempotencyKey },
    );
  }

  apiKeys(): Promise<{ api_keys: ApiKey[] }> {
    return this.request('GET', '/api/tokens/');
  }

  createApiKey(name: string): Promise<CreatedApiKey> {
    return this.request('POST', '/api/tokens/', { name });
  }

  revokeApiKey(id: string): Promise<void> {
    return this.request('DELETE', `/api/tokens/${encodeURIComponent(id)}/`);
  }

  deleteAccount(password: string): Promise<void> {
    return this.request('DELETE', '/api/me/', { password });
  }

  /** Ends the session on the server (which also clears the cookie). */
  signOut(): Promise<void> {
    return this.request('POST', '/api/auth/logout/');
  }

  checkout(pack: string): Promise<Checkout> {
    return this.request('POST', '/api/credits/checkout/', { pack });
  }

  purchases(limit: number): Promise<{ items: Purchase[] }> {
    return this.request('GET', `/api/credits/purchases/?limit=${limit}`);
  }

  /**
   * A fresh live-updates URL. Browsers cannot set headers on a WebSocket, and a token in the URL
   * would land in logs, so each (re)connect trades the token for a one-time, 30-second ticket.
   * `lastEventId`: the last event seen, so the server first sends what was missed.
   */
  async socketUrl(lastEventId?: string | null): Promise<string> {
    const { ticket } = await this.request<{ ticket: string }>('POST', '/api/ws/ticket/');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const resume = lastEventId ? `&last_event_id=${encodeURIComponent(lastEventId)}` : '';
    return `${scheme}://${location.host}/api/ws?ticket=${encodeURIComponent(ticket)}${resume}`;
  }

  /** Whether this server sends push notifications, and the key to subscribe with. */
  pushSettings(): Promise<PushSettings> {
    return this.request<PushSettings>('GET', '/api/push/');
  }

  /** Hands the browser's push subscription (`PushSubscription.toJSON()`) to the server. */
  subscribePush(subscription: PushSubscriptionJSON): Promise<unknown> {
    return this.request('POST', '/api/push/subscriptions/', subscription);
  }

  notificationSettings(): Promise<NotificationSettings> {
    return this.request<NotificationSettings>('GET', '/api/me/notifications/');
  }

  updateNotificationSettings(change: Partial<NotificationSettings>): Promise<NotificationSettings> {
    return this.request<NotificationSettings>('PATCH', '/api/me/notifications/', change);
  }

  /** Tells the server the result was seen on an open page, so it skips the e-mail. */
  markSeen(id: string): Promise<void> {
    return this.request('POST', `/api/infographs/${encodeURIComponent(id)}/seen/`);
  }

  private request<T>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.credentials.kind === 'token') {
      headers.authorization = `Token ${this.credentials.token}`;
    } else if (method !== 'GET') {
      // The cookie goes with every request, whichever site makes it: only our page knows this.
      headers['x-csrf-token'] = this.credentials.csrfToken;
    }
    return call<T>(method, path, { body, headers });
  }
}

async function call<T>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
      // The session cookie; never sent anywhere else, since every path here is our own.
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, ['Cannot reach the server. Check your connection and try again.']);
  }
  const payload: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, errorMessages(payload, response.status), codeOf(payload));
  }
  return payload as T;
}

function codeOf(payload: unknown): string | undefined {
  const code =
    typeof payload === 'object' && payload !== null
      ? (payload as { code?: unknown }).code
      : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** What to tell the user about a failure: the server's words when it gave some. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    return error.messages.join(' ');
  }
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/**
 * One line per problem: "field: reason" for each invalid field (`details`, which the forms put
 * beside their fields), else the message.
 */
function errorMessages(payload: unknown, status: number): string[] {
  const { message, details } =
    typeof payload === 'object' && payload !== null
      ? (payload as { message?: unknown; details?: unknown })
      : { message: undefined, details: undefined };
  if (Array.isArray(details) && details.length > 0) {
    return details
      .filter(
        (d): d is { field: string; message: string } =>
          typeof d === 'object' &&
          d !== null &&
          typeof (d as { field?: unknown }).field === 'string' &&
          typeof (d as { message?: unknown }).message === 'string',
      )
      .map((d) => `${d.field}: ${d.message}`);
  }
  if (typeof message === 'string' && message !== '') {
    return [message];
  }
  return [`The server answered ${status}.`];
}
