/** The api's JSON, as the page reads it (see the README's HTTP API table). */

// A copy of the server's vocabulary, libs/database/src/entities/infograph-status.ts (the source of
// truth): the page is bundled on its own by esbuild, and that lib's index would pull TypeORM into
// the browser. Keep the two in step.
export const STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type Status = (typeof STATUSES)[number];

export interface Me {
  id: string;
  email: string;
  balance: number;
}

/** `POST /api/auth/login/` and `GET /api/auth/session/`. */
export interface Session {
  user: Me;
  /** Sent as X-CSRF-Token on every write made with the session cookie; null with a header token. */
  csrf_token: string | null;
}

/** `GET /api/credits/prices/`: public. */
export interface Prices {
  price_per_image: number;
  price_4k: number;
  starter_credits: number;
}

export interface CreditPack {
  id: string;
  name: string;
  credits: number;
  /** In the currency's smallest unit (500 usd is $5.00). */
  price: number;
  currency: string;
}

/** `GET /api/credits/packs/`: public. */
export interface CreditPacks {
  purchases_enabled: boolean;
  packs: CreditPack[];
}

export interface Checkout {
  purchase_id: string;
  checkout_url: string;
}

export type PurchaseStatus = 'pending' | 'paid' | 'expired' | 'failed' | 'refunded' | 'disputed';

export interface Purchase {
  id: string;
  credits: number;
  status: PurchaseStatus;
}

/** One API key as `GET /api/tokens/` lists it (never the key itself). */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

/** `POST /api/tokens/`: the key itself, shown this once. */
export interface CreatedApiKey extends ApiKey {
  token: string;
}

export interface Credits {
  balance: number;
}

/** What every source (create, status, history, WebSocket) tells us about one infograph. */
export interface InfographUpdate {
  id: string;
  status: Status;
  image_url: string | null;
  error_message: string | null;
  /**
   * Why it failed, as a stable word (`cancelled`, `timed_out`, …; docs/contract.md, "States");
   * null unless failed. Branch on this, show `error_message`.
   */
  error_code?: string | null;
  updated_at: string;
  /** Finer than `status`: `queued`, `generating`, `uploading`, `completed`, `failed`. */
  stage?: string;
  /** When its clock started (its create), and the time since as of this answer. */
  started_at?: string;
  elapsed_ms?: number | null;
}

/** `GET /api/infographs/status/:id/` and the history items. */
export interface InfographView extends InfographUpdate {
  prompt: string;
  aspect_ratio: string;
  resolution: string;
  blog_url: string | null;
  width: number | null;
  height: number | null;
  credits_charged: number;
  created_at: string;
}

export interface HistoryPage {
  items: InfographView[];
  next_cursor: string | null;
}

/** `POST /api/infographs/:id/regenerate/`: a field left out is taken from the source. */
export interface RegenerateRequest {
  number_of_infographs: number;
}

export interface CreateRequest {
  prompt: string;
  blog_url?: string;
  aspect_ratio: string;
  resolution: string;
  number_of_infographs: number;
}

export interface CreateResponse {
  infographs: { id: string; status: 'pending' }[];
  total_submitted: number;
  credits_used: number;
}

/** As the server's `isTerminal` (libs/database/src/entities/infograph-status.ts). */
export function isTerminal(status: Status): boolean {
  return status === 'completed' || status === 'failed';
}

/** `GET /api/push/`: whether the server sends push notifications (VAPID keys set). */
export interface PushSettings {
  enabled: boolean;
  vapid_public_key: string | null;
}

/** `GET/PATCH /api/me/notifications/`: which notifications the user wants. */
export interface NotificationSettings {
  email: boolean;
  push: boolean;
}
