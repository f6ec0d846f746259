import { readImageOutput } from './fal-image-output';
import { describeValidationDetail } from './fal.errors';
import { FalImage } from './fal.types';

/** The JSON fal POSTs to our webhook (wire format: keep field names as fal sends them). */
export interface FalWebhookEnvelope {
  request_id: string;
  gateway_request_id?: string;
  status: 'OK' | 'ERROR';
  /** The model output when OK; the error detail when ERROR; null if it could not be serialised. */
  payload: unknown;
  error?: string;
  payload_error?: string;
}

/**
 * `gatewayRequestId` only when fal sent one that differs from `requestId`: fal retried the request
 * internally, and may then sign the delivery with it instead of the request id.
 */
export type FalWebhookBody =
  | {
      kind: 'ok';
      requestId?: string;
      gatewayRequestId?: string;
      /** Empty when the model made nothing it would show: a safety block. */
      images: FalImage[];
      nsfw: boolean;
      seed?: number;
      description?: string;
    }
  | { kind: 'error'; requestId?: string; gatewayRequestId?: string; message: string }
  | { kind: 'invalid'; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Pure: reads fal's envelope, or the bare result body some fal guides show
 * (`{ images, seed, has_nsfw_concepts }`, no request id). Garbage gives `invalid`, never a throw.
 */
export function parseFalWebhookBody(json: unknown): FalWebhookBody {
  if (!isRecord(json)) {
    return { kind: 'invalid', reason: 'body is not a JSON object' };
  }
  if (json.status === undefined && Array.isArray(json.images)) {
    return fromOutput(json, { requestId: undefined });
  }
  const requestId = typeof json.request_id === 'string' ? json.request_id : undefined;
  if (requestId === undefined || requestId === '') {
    return { kind: 'invalid', reason: 'request_id is missing' };
  }
  const ids = { requestId, ...gatewayId(json.gateway_request_id, requestId) };
  if (json.status === 'ERROR') {
    const error =
      typeof json.error === 'string' && json.error !== '' ? json.error : 'fal reported an error';
    const detail = describeValidationDetail(json.payload);
    return { kind: 'error', ...ids, message: detail ? `${error} (${detail})` : error };
  }
  if (json.status !== 'OK') {
    return { kind: 'invalid', reason: `unknown status ${JSON.stringify(json.status)}` };
  }
  if (json.payload === null || json.payload === undefined) {
    const why = typeof json.payload_error === 'string' ? json.payload_error : 'no payload';
    return { kind: 'error', ...ids, message: `fal reported OK without a payload: ${why}` };
  }
  return fromOutput(json.payload, ids);
}

function gatewayId(value: unknown, requestId: string): { gatewayRequestId?: string } {
  return typeof value === 'string' && value !== '' && value !== requestId
    ? { gatewayRequestId: value }
    : {};
}

function fromOutput(
  payload: unknown,
  ids: { requestId?: string; gatewayRequestId?: string },
): FalWebhookBody {
  const read = readImageOutput(payload);
  if (!read.ok) {
    // fal said it worked but nothing usable came back: a failed generation, not garbage.
    return { kind: 'error', ...ids, message: `fal's output is unusable: ${read.reason}` };
  }
  return { kind: 'ok', ...ids, ...read.output };
}
