/**
 * The server's one status vocabulary: the `infographs.status` column, the status machine, the
 * HTTP answers and the real-time events all use these words (clients parse them, so they are wire
 * format too). The web page keeps a copy, apps/web/src/types.ts, because it is bundled on its own.
 */
export const INFOGRAPH_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type InfographStatus = (typeof INFOGRAPH_STATUSES)[number];

/** The states an infograph never leaves: its image is in storage, or it was refunded. */
export const TERMINAL_STATUSES = [
  'completed',
  'failed',
] as const satisfies readonly InfographStatus[];

/** True once nothing more will happen to the infograph (what the user is told, what polls wait for). */
export function isTerminal(status: InfographStatus): boolean {
  return (TERMINAL_STATUSES as readonly InfographStatus[]).includes(status);
}
