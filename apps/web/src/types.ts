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

export interface Credits {
  balance: number;
}

/** What every source (create, status, history, WebSocket) tells us about one infograph. */
export interface InfographUpdate {
  id: string;
  status: Status;
  image_url: string | null;
  error_message: string | null;
  updated_at: string;
}

/** `GET /api/infographs/status/:id/` and the history items. */
export interface InfographView extends InfographUpdate {
  prompt: string;
  aspect_ratio: string;
  resolution: string;
  credits_charged: number;
  created_at: string;
}

export interface HistoryPage {
  items: InfographView[];
  next_cursor: string | null;
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
