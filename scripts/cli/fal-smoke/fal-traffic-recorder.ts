/** One HTTP exchange the fal client made, as fal answered it (or the transport error). */
export interface FalExchange {
  /** Which of our calls made it ("submit", "status", "result"): the client may retry inside one. */
  label: string;
  method: string;
  url: string;
  /** undefined when no answer came (a transport error). */
  status?: number;
  /** fal's own response headers (`x-fal-*`), lower-cased. */
  falHeaders: Record<string, string>;
  /** The body parsed as JSON, or the text when it is not JSON. */
  body?: unknown;
  error?: string;
}

/**
 * A `fetch` for FalGateway (its `fetch` option) that passes every call through unchanged and keeps
 * a copy of what fal answered: the gateway returns only what the product needs, and the smoke
 * check must show what fal actually sent (HTTP codes, fields, headers).
 */
export class FalTrafficRecorder {
  readonly exchanges: FalExchange[] = [];
  private label = 'unlabelled';

  constructor(private readonly inner: typeof fetch = (input, init) => fetch(input, init)) {}

  /** Runs `call`, labelling every exchange it makes. Calls are made one at a time. */
  async during<T>(label: string, call: () => Promise<T>): Promise<T> {
    this.label = label;
    try {
      return await call();
    } finally {
      this.label = 'unlabelled';
    }
  }

  /** The exchanges of one label, in order. */
  of(label: string): FalExchange[] {
    return this.exchanges.filter((exchange) => exchange.label === label);
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const base = {
      label: this.label,
      method: (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase(),
      url: input instanceof Request ? input.url : String(input),
      falHeaders: {},
    };
    let response: Response;
    try {
      response = await this.inner(input, init);
    } catch (error) {
      this.exchanges.push({
        ...base,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    const falHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (name.toLowerCase().startsWith('x-fal-')) {
        falHeaders[name.toLowerCase()] = value;
      }
    });
    // A clone, so the client still reads the body; fal's queue answers are small JSON documents.
    const text = await response
      .clone()
      .text()
      .catch(() => undefined);
    this.exchanges.push({ ...base, status: response.status, falHeaders, body: parse(text) });
    return response;
  };
}

function parse(text: string | undefined): unknown {
  if (text === undefined || text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
