export type WebhookSignatureReason =
  | 'missing_header'
  | 'invalid_header'
  | 'stale_timestamp'
  | 'unexpected_user'
  | 'bad_signature'
  /** The JWKS could not be fetched and none is cached: answer 5xx so fal retries later. */
  | 'keys_unavailable';

/** A webhook that must not be trusted; `reason` is machine-readable, the message is for logs. */
export class WebhookSignatureError extends Error {
  constructor(
    readonly reason: WebhookSignatureReason,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}
