import { mediaUrlAllowed } from '@app/config';

import type { FalExchange } from './fal-traffic-recorder';
import type { ReceivedDelivery } from './webhook-receiver';

/** Everything one smoke run saw, raw; `buildSmokeReport` turns it into the checklist. */
export interface SmokeObservations {
  target: 'fal-sim' | 'fal.ai';
  model: string;
  queueUrl: string;
  /** Our upload step's allow-list and http rule, to judge the image URL against. */
  mediaHosts: readonly string[];
  allowHttpMedia: boolean;
  pinnedUserId?: string;
  timeoutSeconds: number;
  jwks: { url: string; status?: number; body?: unknown; error?: string };
  /** Every exchange the gateway made, labelled submit, status or result. */
  exchanges: FalExchange[];
  submittedAt?: number;
  requestId?: string;
  submitError?: string;
  /** When a COMPLETED status was first seen (ms since the epoch). */
  completedAt?: number;
  completedError?: string;
  inferenceTimeSeconds?: number;
  statusError?: string;
  resultError?: string;
  image?: {
    url: string;
    status?: number;
    location?: string;
    contentType?: string;
    contentLength?: number;
    error?: string;
  };
  webhook?: { url: string; refuseFirst: number; deliveries: ReceivedDelivery[] };
}

// The --json shape: snake_case, like the HTTP API. Every field is a fact as fal sent it.

export interface JwksKeyFacts {
  /** The key's member names, sorted: whether fal sends kty, crv and kid at all is the question. */
  fields: string[];
  kty: unknown;
  crv: unknown;
  kid: unknown;
  /** Length of `x` decoded as base64url (an Ed25519 key is 32 bytes). */
  x_bytes: number | null;
}

export interface StatusAnswer {
  state: string;
  http_status: number | null;
  count: number;
}

/** Which of the body's ids the signed X-Fal-Webhook-Request-Id header carried. */
export type HeaderIdMatch = 'request_id' | 'gateway_request_id' | 'both' | 'neither';

export interface DeliveryFacts {
  received_at: string;
  seconds_after_submit: number | null;
  /** The status code we answered (503 for the deliveries refused on purpose). */
  answered: number;
  header_request_id: string | null;
  header_user_id: string | null;
  /** X-Fal-Webhook-Timestamp, Unix seconds, and the same as an ISO date. */
  header_timestamp: number | null;
  timestamp_at: string | null;
  /** Arrival minus the signed timestamp: how old fal's signature was when it came. */
  timestamp_age_seconds: number | null;
  body_request_id: string | null;
  body_gateway_request_id: string | null;
  header_request_id_is: HeaderIdMatch;
  body_status: string | null;
  body_error: string | null;
  payload_fields: string[];
  user_id_matches_pin: boolean | null;
  /** 'verified', or why the product's verifier refused it (`reason: message`). */
  signature: string;
}

/**
 * Whether a retry carries a new X-Fal-Webhook-Timestamp: `fresh` (a later one), `reused` (the
 * first one's, on a retry that came 2 s or more later), `undetermined` (retries came within the
 * same second), `no retry` (one delivery only).
 */
export type RetryTimestamps = 'fresh' | 'reused' | 'undetermined' | 'no retry';

export interface FalSmokeReport {
  /** True when nothing the product relies on failed (`problems` is empty). */
  ok: boolean;
  target: 'fal-sim' | 'fal.ai';
  model: string;
  queue_url: string;
  request_id: string | null;
  /** What would break the product; each one makes the command exit 1. */
  problems: string[];
  /** Facts worth knowing that break nothing. */
  notes: string[];
  jwks: { url: string; http_status: number | null; error: string | null; keys: JwksKeyFacts[] };
  submit: {
    http_status: number | null;
    fields: string[];
    request_id: string | null;
    gateway_request_id: string | null;
    error: string | null;
  };
  status: {
    answers: StatusAnswer[];
    seconds_to_completed: number | null;
    inference_time_seconds: number | null;
    error: string | null;
  };
  result: {
    http_status: number | null;
    x_fal_request_id: string | null;
    fields: string[];
    image_fields: string[];
    seed_present: boolean;
    has_nsfw_concepts_present: boolean;
    width: number | null;
    height: number | null;
    error: string | null;
  } | null;
  image: {
    url: string;
    host: string | null;
    https: boolean;
    media_host_allowed: boolean;
    http_status: number | null;
    redirect_location: string | null;
    content_type: string | null;
    content_length: number | null;
    error: string | null;
  } | null;
  webhook: {
    url: string;
    refused_first: number;
    retry_timestamps: RetryTimestamps;
    deliveries: DeliveryFacts[];
  } | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const fieldsOf = (value: unknown): string[] => (isRecord(value) ? Object.keys(value).sort() : []);
const iso = (ms: number): string => new Date(ms).toISOString();
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

export function jwksKeyFacts(body: unknown): JwksKeyFacts[] {
  const keys = isRecord(body) && Array.isArray(body.keys) ? body.keys : [];
  return keys.map((key: unknown) => {
    const jwk = isRecord(key) ? key : {};
    const x = str(jwk.x);
    return {
      fields: fieldsOf(jwk),
      kty: jwk.kty,
      crv: jwk.crv,
      kid: jwk.kid,
      x_bytes: x === null ? null : Buffer.from(x, 'base64url').length,
    };
  });
}

/** Each distinct (state, HTTP code) pair the status calls answered, in the order first seen. */
export function statusAnswers(exchanges: FalExchange[]): StatusAnswer[] {
  const answers: StatusAnswer[] = [];
  for (const exchange of exchanges) {
    const state =
      str(isRecord(exchange.body) ? exchange.body.status : undefined) ??
      (exchange.error ? 'transport error' : 'no state');
    const httpStatus = exchange.status ?? null;
    const seen = answers.find((a) => a.state === state && a.http_status === httpStatus);
    if (seen) {
      seen.count += 1;
    } else {
      answers.push({ state, http_status: httpStatus, count: 1 });
    }
  }
  return answers;
}

export function headerIdMatch(
  headerId: string | null,
  requestId: string | null,
  gatewayRequestId: string | null,
): HeaderIdMatch {
  const isRequest = headerId !== null && headerId === requestId;
  const isGateway = headerId !== null && headerId === gatewayRequestId;
  return isRequest && isGateway
    ? 'both'
    : isRequest
      ? 'request_id'
      : isGateway
        ? 'gateway_request_id'
        : 'neither';
}

export function retryTimestamps(deliveries: DeliveryFacts[]): RetryTimestamps {
  const [first, ...retries] = deliveries;
  if (first === undefined || retries.length === 0 || first.header_timestamp === null) {
    return 'no retry';
  }
  const firstArrival = Date.parse(first.received_at);
  if (
    retries.some((r) => r.header_timestamp !== null && r.header_timestamp > first.header_timestamp!)
  ) {
    return 'fresh';
  }
  const laterRetry = retries.some(
    (r) =>
      r.header_timestamp === first.header_timestamp &&
      Date.parse(r.received_at) - firstArrival >= 2000,
  );
  return laterRetry ? 'reused' : 'undetermined';
}

function deliveryFacts(
  delivery: ReceivedDelivery,
  submittedAt: number | undefined,
  pinnedUserId: string | undefined,
): DeliveryFacts {
  let body: unknown;
  try {
    body = JSON.parse(delivery.rawBody.toString('utf8'));
  } catch {
    body = undefined;
  }
  const envelope = isRecord(body) ? body : {};
  const headerRequestId = delivery.headers['x-fal-webhook-request-id'] ?? null;
  const headerUserId = delivery.headers['x-fal-webhook-user-id'] ?? null;
  const rawTimestamp = delivery.headers['x-fal-webhook-timestamp'];
  const timestamp = rawTimestamp && /^\d+$/.test(rawTimestamp) ? Number(rawTimestamp) : null;
  const bodyRequestId = str(envelope.request_id);
  const bodyGatewayId = str(envelope.gateway_request_id);
  return {
    received_at: iso(delivery.receivedAt),
    seconds_after_submit:
      submittedAt === undefined ? null : seconds(delivery.receivedAt - submittedAt),
    answered: delivery.answered,
    header_request_id: headerRequestId,
    header_user_id: headerUserId,
    header_timestamp: timestamp,
    timestamp_at: timestamp === null ? null : iso(timestamp * 1000),
    timestamp_age_seconds:
      timestamp === null ? null : Math.round(delivery.receivedAt / 1000 - timestamp),
    body_request_id: bodyRequestId,
    body_gateway_request_id: bodyGatewayId,
    header_request_id_is: headerIdMatch(headerRequestId, bodyRequestId, bodyGatewayId),
    body_status: str(envelope.status),
    body_error: str(envelope.error),
    payload_fields: fieldsOf(envelope.payload),
    user_id_matches_pin: pinnedUserId === undefined ? null : headerUserId === pinnedUserId,
    signature:
      delivery.verification === 'verified'
        ? 'verified'
        : `${delivery.verification.reason}: ${delivery.verification.message}`,
  };
}

function resultFacts(o: SmokeObservations): FalSmokeReport['result'] {
  const exchange = o.exchanges.filter((e) => e.label === 'result').at(-1);
  if (exchange === undefined) {
    return null;
  }
  const body = isRecord(exchange.body) ? exchange.body : {};
  const images = Array.isArray(body.images) ? body.images : [];
  const first: unknown = images[0];
  return {
    http_status: exchange.status ?? null,
    x_fal_request_id: exchange.falHeaders['x-fal-request-id'] ?? null,
    fields: fieldsOf(body),
    image_fields: fieldsOf(first),
    seed_present: 'seed' in body,
    has_nsfw_concepts_present: 'has_nsfw_concepts' in body,
    width: num(isRecord(first) ? first.width : undefined),
    height: num(isRecord(first) ? first.height : undefined),
    error: o.resultError ?? null,
  };
}

function imageFacts(o: SmokeObservations): FalSmokeReport['image'] {
  if (o.image === undefined) {
    return null;
  }
  let url: URL | undefined;
  try {
    url = new URL(o.image.url);
  } catch {
    url = undefined;
  }
  // The upload step's own rule, so "allowed" here means the product would download it.
  const allowed = url !== undefined && mediaUrlAllowed(url, o.mediaHosts);
  return {
    url: o.image.url,
    host: url?.host ?? null,
    https: url?.protocol === 'https:',
    media_host_allowed: allowed,
    http_status: o.image.status ?? null,
    redirect_location: o.image.location ?? null,
    content_type: o.image.contentType ?? null,
    content_length: o.image.contentLength ?? null,
    error: o.image.error ?? null,
  };
}

/** Pure: the checklist of one run, with what would break the product listed as problems. */
export function buildSmokeReport(o: SmokeObservations): FalSmokeReport {
  const problems: string[] = [];
  const notes: string[] = [];

  const keys = jwksKeyFacts(o.jwks.body);
  if (o.jwks.error !== undefined || o.jwks.status !== 200) {
    problems.push(
      `JWKS ${o.jwks.url}: ${o.jwks.error ?? `answered ${o.jwks.status}`}; webhooks cannot be verified`,
    );
  } else if (keys.length === 0) {
    problems.push(`JWKS ${o.jwks.url} lists no keys; webhooks cannot be verified`);
  }

  const submitExchange = o.exchanges.filter((e) => e.label === 'submit').at(-1);
  const submitBody = isRecord(submitExchange?.body) ? submitExchange.body : {};
  if (o.submitError !== undefined) {
    problems.push(`submit failed: ${o.submitError}`);
  }

  if (o.statusError !== undefined) {
    problems.push(`status failed: ${o.statusError}`);
  } else if (o.requestId !== undefined && o.completedAt === undefined) {
    problems.push(`the request did not complete within ${o.timeoutSeconds} s`);
  }
  if (o.completedError !== undefined) {
    problems.push(`fal reported the request failed: ${o.completedError}`);
  }
  if (o.resultError !== undefined) {
    problems.push(`result failed: ${o.resultError}`);
  }

  const image = imageFacts(o);
  if (image) {
    if (image.error !== null) {
      problems.push(`fetching the image failed: ${image.error}`);
    } else if (image.redirect_location !== null) {
      problems.push(
        `the image URL redirects (${image.http_status} to ${image.redirect_location}): the upload ` +
          'step never follows redirects, so every image would fail',
      );
    } else if (image.http_status !== 200) {
      problems.push(`the image URL answered ${image.http_status}`);
    }
    if (!image.media_host_allowed) {
      problems.push(
        `the image host ${image.host} is not one of our media hosts (${o.mediaHosts.join(', ')}): ` +
          'the upload step would refuse it; add it to FAL_MEDIA_HOSTS',
      );
    }
    if (!image.https && !o.allowHttpMedia) {
      problems.push('the image URL is not https: the upload step would refuse it');
    }
    if (image.content_type !== null && !image.content_type.startsWith('image/')) {
      problems.push(`the image URL serves ${image.content_type}, not an image`);
    }
  }

  let webhook: FalSmokeReport['webhook'] = null;
  if (o.webhook) {
    const deliveries = o.webhook.deliveries.map((d) =>
      deliveryFacts(d, o.submittedAt, o.pinnedUserId),
    );
    webhook = {
      url: o.webhook.url,
      refused_first: o.webhook.refuseFirst,
      retry_timestamps: retryTimestamps(deliveries),
      deliveries,
    };
    if (o.requestId !== undefined && deliveries.length === 0) {
      problems.push(`no webhook arrived at ${o.webhook.url} within ${o.timeoutSeconds} s`);
    }
    deliveries.forEach((d, i) => {
      const which = `webhook delivery ${i + 1}`;
      if (d.signature !== 'verified') {
        problems.push(`${which} failed the product's signature check: ${d.signature}`);
      }
      if (d.user_id_matches_pin === false) {
        problems.push(
          `${which} came from fal user ${d.header_user_id}, not FAL_WEBHOOK_USER_ID ` +
            `(${o.pinnedUserId}): if that is your fal user id, set FAL_WEBHOOK_USER_ID to it`,
        );
      }
      if (d.body_request_id !== o.requestId) {
        problems.push(`${which} names request ${d.body_request_id}, not ${o.requestId}`);
      }
      if (d.header_request_id_is === 'neither') {
        problems.push(`${which}'s X-Fal-Webhook-Request-Id is neither of the body's ids`);
      }
    });
    if (deliveries.length > 0 && deliveries.every((d) => d.answered >= 300)) {
      notes.push(
        `fal did not retry the refused delivery within ${o.timeoutSeconds} s ` +
          '(its retry schedule is not published: run again with a longer --timeout to see it)',
      );
    }
  }

  return {
    ok: problems.length === 0,
    target: o.target,
    model: o.model,
    queue_url: o.queueUrl,
    request_id: o.requestId ?? null,
    problems,
    notes,
    jwks: {
      url: o.jwks.url,
      http_status: o.jwks.status ?? null,
      error: o.jwks.error ?? null,
      keys,
    },
    submit: {
      http_status: submitExchange?.status ?? null,
      fields: fieldsOf(submitExchange?.body),
      request_id: str(submitBody.request_id),
      gateway_request_id: str(submitBody.gateway_request_id),
      error: o.submitError ?? null,
    },
    status: {
      answers: statusAnswers(o.exchanges.filter((e) => e.label === 'status')),
      seconds_to_completed:
        o.completedAt === undefined || o.submittedAt === undefined
          ? null
          : seconds(o.completedAt - o.submittedAt),
      inference_time_seconds: o.inferenceTimeSeconds ?? null,
      error: o.statusError ?? null,
    },
    result: resultFacts(o),
    image,
    webhook,
  };
}
