import type { FalWebhookBody, WebhookSignatureReason } from '@app/fal';
import { type InfographStatus, isTerminal } from '@app/database';
import type { GenerationOutcome } from '@app/infographs';

type ParsedBody = Exclude<FalWebhookBody, { kind: 'invalid' }>;

/** Whether a delivery is ours to apply, before any row is read. */
export type Binding =
  /** Not sent to a URL we issued for this infograph: another fal request, or a guess. */
  | { kind: 'orphan' }
  /**
   * The signature names neither the body's request id nor its gateway request id: tampered or
   * confused; refused.
   */
  | { kind: 'mismatch' }
  /**
   * Ours. `requestId` is the fal request it names (absent for an unsigned bare result body).
   * `mayClaimPending`: signed and sent to our URL, so it may take a row whose request id the
   * worker has not saved yet (fal can answer within milliseconds of the submit).
   */
  | { kind: 'bound'; requestId?: string; mayClaimPending: boolean };

/**
 * fal signs every customer's deliveries with one key set: only the token in the URL we gave fal
 * makes a delivery ours; the signature (when verified) then names the request. It normally signs
 * the body's `request_id`, but for a request it retried internally it may sign the
 * `gateway_request_id` instead: either binds, and the delivery is for the body's `request_id`
 * (the one our submit was given), which the row must hold.
 */
export function bindDelivery(delivery: {
  urlTokenIssued: boolean;
  signedRequestId?: string;
  body: ParsedBody;
}): Binding {
  if (!delivery.urlTokenIssued) {
    return { kind: 'orphan' };
  }
  const { signedRequestId, body } = delivery;
  if (
    signedRequestId !== undefined &&
    body.requestId !== undefined &&
    body.requestId !== signedRequestId &&
    body.gatewayRequestId !== signedRequestId
  ) {
    return { kind: 'mismatch' };
  }
  return {
    kind: 'bound',
    requestId: body.requestId ?? signedRequestId,
    mayClaimPending: signedRequestId !== undefined,
  };
}

/**
 * How a delivery whose signature check failed is answered. Only fal's keys being out of reach is
 * worth another delivery (503: fal retries anything but a 2xx, for about two hours); the rest
 * would fail the same way every time (401). The Retry-After matches the verifier's JWKS refetch
 * interval, the soonest a retry can see new keys.
 */
export function signatureRejection(reason: WebhookSignatureReason): {
  status: 401 | 503;
  retryAfterSeconds?: number;
} {
  return reason === 'keys_unavailable' ? { status: 503, retryAfterSeconds: 30 } : { status: 401 };
}

/** What to do with a bound delivery, once the row is read. */
export type DeliveryDecision =
  /** A request of ours, but not this infograph's current one (a surplus submit): recorded only. */
  | { kind: 'orphan'; requestId: string }
  /** Terminal already: recorded and ignored (a late success never changes a failure). */
  | { kind: 'ignore'; requestId: string }
  /**
   * An ERROR for a running request: a hint only (it may be stale or out of order), so the upload
   * job first asks fal how the request really ended.
   */
  | { kind: 'confirm'; requestId: string }
  /** Apply the verdict (fail and refund, or record the image) and follow up. */
  | { kind: 'apply'; requestId: string; outcome: GenerationOutcome };

/** Pure: the delivery's verdict against the row as it is now (its request id already saved). */
export function decideDelivery(
  body: ParsedBody,
  namedRequestId: string | undefined,
  row: { status: InfographStatus; falRequestId: string },
): DeliveryDecision {
  const requestId = namedRequestId ?? row.falRequestId;
  if (requestId !== row.falRequestId) {
    return { kind: 'orphan', requestId };
  }
  if (isTerminal(row.status)) {
    return { kind: 'ignore', requestId };
  }
  if (body.kind === 'error') {
    return row.status === 'processing'
      ? { kind: 'confirm', requestId }
      : { kind: 'apply', requestId, outcome: { kind: 'error', message: body.message } };
  }
  return {
    kind: 'apply',
    requestId,
    outcome: { kind: 'ok', images: body.images, nsfw: body.nsfw },
  };
}
