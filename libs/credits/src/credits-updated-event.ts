/**
 * The real-time event the api publishes after a purchase's grant or clawback commits, and
 * forwards to the owner's WebSockets (minus `userId`, which only routes it): the balance as it
 * stands, so an open page shows it without asking. libs/notifications carries any
 * `{ type, userId }` event; what this one holds is decided here, beside the balance it reports.
 */
export interface CreditsUpdatedEvent {
  type: 'credits.updated';
  userId: string;
  balance: number;
}

export function creditsUpdatedEvent(userId: string, balance: number): CreditsUpdatedEvent {
  return { type: 'credits.updated', userId, balance };
}

/**
 * An event read off the channel, checked and rebuilt with only the known fields (a newer
 * publisher's additions never reach clients). Null for anything else.
 */
export function readCreditsUpdatedEvent(value: unknown): CreditsUpdatedEvent | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return null;
  }
  const v = value as Record<string, unknown>;
  if (
    v.type !== 'credits.updated' ||
    typeof v.userId !== 'string' ||
    v.userId.length === 0 ||
    !Number.isSafeInteger(v.balance) ||
    (v.balance as number) < 0
  ) {
    return null;
  }
  return creditsUpdatedEvent(v.userId, v.balance as number);
}
