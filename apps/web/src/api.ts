import type {
  CreateRequest,
  CreateResponse,
  Credits,
  HistoryPage,
  InfographView,
  Me,
  Status,
} from './types';

/** An error answer: `messages` are the api's `message`, always as a list ("field: reason" for 400). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
  ) {
    super(messages.join('\n') || `HTTP ${status}`);
  }
}

/** The api, same origin, authenticated with the user's token. */
export class ApiClient {
  constructor(readonly token: string) {}

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

  /**
   * A fresh live-updates URL. Browsers cannot set headers on a WebSocket, and a token in the URL
   * would land in logs, so each (re)connect trades the token for a one-time, 30-second ticket.
   */
  async socketUrl(): Promise<string> {
    const { ticket } = await this.request<{ ticket: string }>('POST', '/api/ws/ticket/');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${location.host}/api/ws?ticket=${encodeURIComponent(ticket)}`;
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Token ${this.token}`,
      accept: 'application/json',
      ...extraHeaders,
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, ['Cannot reach the server. Check your connection and try again.']);
    }
    const payload: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, errorMessages(payload, response.status));
    }
    return payload as T;
  }
}

function errorMessages(payload: unknown, status: number): string[] {
  const message =
    typeof payload === 'object' && payload !== null
      ? (payload as { message?: unknown }).message
      : undefined;
  if (Array.isArray(message)) {
    return message.filter((m): m is string => typeof m === 'string');
  }
  if (typeof message === 'string' && message !== '') {
    return [message];
  }
  return [`The server answered ${status}.`];
}
