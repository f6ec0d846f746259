import type { DeliveryFacts, FalSmokeReport, HeaderIdMatch } from './smoke-report';

const list = (fields: string[]): string => (fields.length > 0 ? fields.join(', ') : '(none)');
const shown = (value: unknown): string =>
  value === undefined ? 'absent' : typeof value === 'string' ? value : JSON.stringify(value);
const present = (yes: boolean): string => (yes ? 'present' : 'absent');

const HEADER_ID: Record<HeaderIdMatch, string> = {
  request_id: 'the body’s request_id',
  gateway_request_id: 'the body’s gateway_request_id (not request_id)',
  both: 'both ids (they are equal)',
  neither: 'NEITHER of the body’s ids',
};

function delivery(d: DeliveryFacts, i: number, pinned: boolean): string[] {
  const after =
    d.seconds_after_submit === null ? '' : ` (${d.seconds_after_submit} s after submit)`;
  const pin =
    d.user_id_matches_pin === null
      ? ''
      : d.user_id_matches_pin
        ? ' (= FAL_WEBHOOK_USER_ID)'
        : ' (NOT FAL_WEBHOOK_USER_ID)';
  return [
    `  ${i + 1}. arrived ${d.received_at}${after}; we answered ${d.answered}`,
    `     signed timestamp ${d.header_timestamp ?? 'absent'}` +
      (d.timestamp_at ? ` = ${d.timestamp_at}, ${d.timestamp_age_seconds} s before arrival` : ''),
    `     X-Fal-Webhook-Request-Id ${d.header_request_id ?? 'absent'} = ${HEADER_ID[d.header_request_id_is]}`,
    `     body request_id ${d.body_request_id ?? 'absent'}, gateway_request_id ${d.body_gateway_request_id ?? 'absent'}`,
    `     X-Fal-Webhook-User-Id ${d.header_user_id ?? 'absent'}${pinned ? pin : ''}`,
    `     status ${d.body_status ?? 'absent'}, error ${d.body_error ?? 'null'}, payload fields: ${list(d.payload_fields)}`,
    `     signature: ${d.signature}`,
  ];
}

/** The checklist as an operator reads it: every fact fal sent, then what is wrong, if anything. */
export function formatSmokeReport(r: FalSmokeReport): string[] {
  const lines = [
    `fal smoke check against ${r.target} (${r.model}, queue ${r.queue_url}), request ${r.request_id ?? '(none)'}`,
    '',
    `JWKS ${r.jwks.url}: ${r.jwks.error ?? `HTTP ${r.jwks.http_status}`}, ${r.jwks.keys.length} key(s)`,
    ...r.jwks.keys.map(
      (k, i) =>
        `  key ${i + 1}: fields ${list(k.fields)}; kty ${shown(k.kty)}, crv ${shown(k.crv)}, ` +
        `kid ${shown(k.kid)}, x ${k.x_bytes === null ? 'absent' : `${k.x_bytes} bytes`}`,
    ),
    `Submit: ${r.submit.error ?? `HTTP ${r.submit.http_status}`}; fields: ${list(r.submit.fields)}`,
    `  request_id ${r.submit.request_id ?? 'absent'}, gateway_request_id ${r.submit.gateway_request_id ?? 'absent'}` +
      (r.submit.request_id !== null && r.submit.gateway_request_id !== null
        ? r.submit.request_id === r.submit.gateway_request_id
          ? ' (equal)'
          : ' (they differ)'
        : ''),
    `Status: ${r.status.answers.map((a) => `${a.state} → HTTP ${a.http_status ?? '-'} ×${a.count}`).join(', ') || '(not asked)'}`,
    `  completed ${r.status.seconds_to_completed === null ? 'never' : `${r.status.seconds_to_completed} s after submit`}` +
      (r.status.inference_time_seconds === null
        ? ''
        : `, inference_time ${r.status.inference_time_seconds} s`) +
      (r.status.error ? `; ${r.status.error}` : ''),
  ];
  const result = r.result;
  if (result) {
    lines.push(
      `Result: HTTP ${result.http_status}, x-fal-request-id ${result.x_fal_request_id ?? 'absent'}; fields: ${list(result.fields)}`,
      `  seed ${present(result.seed_present)}, has_nsfw_concepts ${present(result.has_nsfw_concepts_present)}`,
      `  image fields: ${list(result.image_fields)}; width × height ${result.width ?? 'absent'} × ${result.height ?? 'absent'}`,
    );
  } else {
    lines.push('Result: not fetched');
  }
  const image = r.image;
  if (image) {
    lines.push(
      `Image: ${image.url}`,
      `  host ${image.host} (${image.media_host_allowed ? 'one of our media hosts' : 'NOT one of our media hosts'}), ${image.https ? 'https' : 'not https'}`,
      image.error
        ? `  GET failed: ${image.error}`
        : `  GET → HTTP ${image.http_status}, ${image.redirect_location ? `redirects to ${image.redirect_location}` : 'no redirect'}` +
            `, ${image.content_type ?? 'no content type'}, ${image.content_length ?? '?'} bytes`,
    );
  } else {
    lines.push('Image: not fetched');
  }
  const webhook = r.webhook;
  if (webhook) {
    const pinned = webhook.deliveries.some((d) => d.user_id_matches_pin !== null);
    lines.push(
      `Webhook: ${webhook.url} (${
        webhook.refused_first === 0
          ? 'every delivery accepted'
          : `the first ${webhook.refused_first} refused with 503, so fal retries`
      })`,
      `  ${webhook.deliveries.length} deliver${webhook.deliveries.length === 1 ? 'y' : 'ies'}; timestamps on retries: ${webhook.retry_timestamps}`,
      ...webhook.deliveries.flatMap((d, i) => delivery(d, i, pinned)),
    );
  } else {
    lines.push('Webhook: none requested');
  }
  lines.push('');
  for (const note of r.notes) {
    lines.push(`Note: ${note}`);
  }
  if (r.ok) {
    lines.push('Checklist passed: nothing the product relies on failed.');
  } else {
    lines.push(`Checklist FAILED (${r.problems.length}):`, ...r.problems.map((p) => `  - ${p}`));
  }
  return lines;
}
