// Creates an infographic and waits for it, with a client typed by the api's own OpenAPI document.
// Generate the types first (`npm run openapi:client`, or `npx openapi-typescript
// https://<api>/docs-json -o generated/api.d.ts` against a running api); then, with Node >= 22.6:
//   AINFOGRAPHIC_URL=http://127.0.0.1:3000 AINFOGRAPHIC_TOKEN=aig_… \
//     node --experimental-strip-types create-and-wait.ts "How solar panels work"
// CI compiles this file against freshly generated types (`npm run openapi:check`): if the api's
// document changes in a way this code does not expect, CI says so.
import { randomUUID } from 'node:crypto';

import createClient from 'openapi-fetch';

import type { components, paths } from './generated/api.js';

type Infograph = components['schemas']['InfographResponse'];
type ApiError = components['schemas']['ErrorResponse'];

const client = createClient<paths>({
  baseUrl: process.env.AINFOGRAPHIC_URL ?? 'http://127.0.0.1:3000',
  headers: { Authorization: `Token ${process.env.AINFOGRAPHIC_TOKEN ?? ''}` },
});

function fail(error: ApiError): never {
  // `code` is stable: branch on it; `message` is for people; `details` names invalid fields.
  const fields = (error.details ?? []).map((d) => `\n  ${d.field}: ${d.message}`).join('');
  throw new Error(`${error.statusCode} ${error.code}: ${error.message}${fields}`);
}

async function createAndWait(prompt: string): Promise<Infograph> {
  const created = await client.POST('/api/infographs/create', {
    body: { prompt, aspect_ratio: '16:9', resolution: '2K', number_of_infographs: 1 },
    // Optional: a retry with the same key and body replays the answer instead of charging again.
    params: { header: { 'idempotency-key': randomUUID() } },
  });
  if (created.error) {
    fail(created.error);
  }
  const [first] = created.data.infographs;
  console.log(`created ${first.id} (${created.data.credits_used} credits), ${first.status}`);

  // Polling keeps the example short; a long-lived client would rather listen on /api/ws.
  for (;;) {
    const { data, error } = await client.GET('/api/infographs/status/{id}', {
      params: { path: { id: first.id } },
    });
    if (error) {
      fail(error);
    }
    if (data.status === 'completed' || data.status === 'failed') {
      return data;
    }
    console.log(`${data.stage}, ${Math.round(data.elapsed_ms / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

const done = await createAndWait(process.argv[2] ?? 'How solar panels work');
if (done.status === 'completed') {
  console.log(`ready: ${done.image_url} (${done.width}×${done.height})`);
} else {
  console.log(`failed (${done.error_code}): ${done.error_message}`);
}
