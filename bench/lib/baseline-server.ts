// The bare baseline: plain Fastify + pg + BullMQ doing the same database work and queue add as the
// product's create and webhook endpoints, with nothing else (no Nest, no auth lookup, no
// validation framework, no ORM). Run as its own process by bench/http.ts, and by
// bench/lib/bare-create.ts as the yardstick other scenarios divide by.
//
// /create and /webhook/:id run the product's own statements, as named prepared statements like the
// product's `preparedQuery`, so a product/baseline ratio measures our per-request overhead and not
// a difference in SQL. The SQL text is COPIED here on purpose from
// libs/infographs/src/infograph-creation.service.ts (CHARGE_AND_INSERT) and
// libs/infographs/src/infograph-state.service.ts (RECORD_IMAGE + the delivery record of
// recordDeliveredImage): the baseline must not import our code (that would make it part of what is
// measured). If the product's statement changes, change it here too.
//
// /create-5rt and /webhook-plain/:id are the earlier baseline, kept as a second, labelled row: the
// route as the contract first described it (create = BEGIN, three unprepared statements, COMMIT;
// webhook = one unprepared UPDATE without the delivery record).
import { createHash, createPublicKey, KeyObject, randomUUID, verify } from 'node:crypto';

import { Queue } from 'bullmq';
import Fastify from 'fastify';
import IORedis from 'ioredis';
import { Pool } from 'pg';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) {
    throw new Error(`${name} is required`);
  }
  return value;
};

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: env('DATABASE_URL'), max: Number(env('POOL_SIZE')) });
  const connection = new IORedis(env('REDIS_URL'), { maxRetriesPerRequest: 1 });
  const jobOptions = {
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10000 },
  };
  const submit = new Queue('submit', {
    connection,
    prefix: env('PREFIX'),
    defaultJobOptions: jobOptions,
  });
  const upload = new Queue('upload', {
    connection,
    prefix: env('PREFIX'),
    defaultJobOptions: jobOptions,
  });
  // Only the webhook routes need fal's keys; a scenario that loads /create alone leaves it unset.
  const jwksUrl = process.env.JWKS_URL;
  const jwks = jwksUrl
    ? ((await (await fetch(jwksUrl)).json()) as { keys: { x: string }[] })
    : { keys: [] };
  const keys: KeyObject[] = jwks.keys.map((k) =>
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' }),
  );
  const publicUrl = env('PUBLIC_URL');

  const app = Fastify({ logger: false });
  // Raw bytes for the webhook (the signature covers them); JSON parse by hand.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  // Copied from the product (see the top of this file): the charge, its ledger entry and the
  // `pending` rows in one statement.
  const CHARGE_AND_INSERT = `
  WITH charged AS (
    UPDATE users SET balance = balance - $2 WHERE id = $1 AND balance >= $2 RETURNING id, balance
  ), entry AS (
    INSERT INTO credit_ledger (user_id, amount, reason, batch_id)
    SELECT id, -$2, 'charge', $3 FROM charged
  ), made AS (
    INSERT INTO infographs
      (user_id, batch_id, prompt, blog_url, aspect_ratio, resolution, status, credits_charged)
    SELECT id, $3, $4, $5, $6, $7, 'pending', $8 FROM charged CROSS JOIN generate_series(1, $9)
    RETURNING id
  )
  SELECT made.id, charged.balance FROM made CROSS JOIN charged`;
  // Copied from the product: the image, the status and the delivery record in one statement.
  const RECORD_DELIVERED_IMAGE = `WITH moved AS (UPDATE infographs
    SET fal_image_url = $3, width = $4, height = $5, content_type = $6,
        status = 'processing', fal_request_id = $2,
        submitted_at = COALESCE(submitted_at, now()), updated_at = now()
  WHERE id = $1 AND fal_image_url IS NULL
    AND ((status = 'processing' AND fal_request_id = $2)
      OR ($7 AND status = 'pending' AND fal_request_id IS NULL))
  RETURNING id),
       delivery AS (
         INSERT INTO fal_webhook_deliveries
                (infograph_id, fal_request_id, fal_status, outcome, signature_verified)
         SELECT id, $2, 'OK', 'accepted', $8 FROM moved)
       SELECT id FROM moved`;

  const createAnswer = (ids: string[], count: number) => ({
    infographs: ids.map((id) => ({
      id,
      request_id: null,
      status: 'pending',
      status_url: `${publicUrl}/api/infographs/status/${id}/`,
    })),
    total_submitted: ids.length,
    credits_used: count,
  });

  app.post('/create', async (request, reply) => {
    const body = JSON.parse((request.body as Buffer).toString('utf8')) as {
      prompt?: unknown;
      number_of_infographs?: number;
    };
    const userId = request.headers['x-user-id'] as string;
    if (typeof body.prompt !== 'string' || body.prompt.trim() === '') {
      return reply.code(400).send({ message: 'prompt' });
    }
    const count = body.number_of_infographs ?? 1;
    const { rows } = await pool.query<{ id: string }>({
      name: 'baseline_create',
      text: CHARGE_AND_INSERT,
      values: [userId, count, randomUUID(), body.prompt.trim(), null, '16:9', '1K', 1, count],
    });
    if (rows.length === 0) {
      return reply.code(402).send({ message: 'credits' });
    }
    const ids = rows.map((r) => r.id);
    for (const id of ids) {
      await submit.add('submit', { infographId: id }, { jobId: `submit-${id}` });
    }
    return reply.code(201).send(createAnswer(ids, count));
  });

  app.post('/create-5rt', async (request, reply) => {
    const body = JSON.parse((request.body as Buffer).toString('utf8')) as {
      prompt?: unknown;
      number_of_infographs?: number;
    };
    const userId = request.headers['x-user-id'] as string;
    if (typeof body.prompt !== 'string' || body.prompt.trim() === '') {
      return reply.code(400).send({ message: 'prompt' });
    }
    const count = body.number_of_infographs ?? 1;
    const batchId = randomUUID();
    const client = await pool.connect();
    let ids: string[];
    try {
      await client.query('BEGIN');
      const charged = await client.query(
        'UPDATE users SET balance = balance - $2 WHERE id = $1 AND balance - $2 >= 0 RETURNING balance',
        [userId, count],
      );
      if (charged.rowCount === 0) {
        await client.query('ROLLBACK');
        return reply.code(402).send({ message: 'credits' });
      }
      await client.query(
        `INSERT INTO credit_ledger (user_id, amount, reason, batch_id) VALUES ($1, $2, 'charge', $3)`,
        [userId, -count, batchId],
      );
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO infographs (user_id, batch_id, prompt, aspect_ratio, resolution, status, credits_charged)
         SELECT $1, $2, $3, '16:9', '1K', 'pending', 1 FROM generate_series(1, $4) RETURNING id`,
        [userId, batchId, body.prompt.trim(), count],
      );
      await client.query('COMMIT');
      ids = inserted.rows.map((r) => r.id);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    for (const id of ids) {
      await submit.add('submit', { infographId: id }, { jobId: `submit-${id}` });
    }
    return reply.code(201).send(createAnswer(ids, count));
  });

  type Image = { url: string; width: number; height: number; content_type: string };
  /** The ED25519 check against the JWKS; the parsed envelope, or null after a 401. */
  const verified = (
    request: { body: unknown; headers: Record<string, unknown> },
    reply: { code(status: number): { send(body: unknown): unknown } },
  ): { request_id: string; payload: { images: Image[] } } | null => {
    const raw = request.body as Buffer;
    const h = request.headers;
    const requestId = h['x-fal-webhook-request-id'] as string;
    const message = Buffer.from(
      `${requestId}\n${h['x-fal-webhook-user-id'] as string}\n${h['x-fal-webhook-timestamp'] as string}\n${createHash('sha256').update(raw).digest('hex')}`,
    );
    const signature = Buffer.from(h['x-fal-webhook-signature'] as string, 'hex');
    if (Math.abs(Date.now() / 1000 - Number(h['x-fal-webhook-timestamp'])) > 300) {
      reply.code(401).send({ message: 'stale' });
      return null;
    }
    if (!keys.some((key) => verify(null, message, key, signature))) {
      reply.code(401).send({ message: 'signature' });
      return null;
    }
    return JSON.parse(raw.toString('utf8')) as { request_id: string; payload: { images: Image[] } };
  };

  app.post('/webhook/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = verified(request, reply);
    if (!body) {
      return reply;
    }
    const image = body.payload.images[0];
    const { rows } = await pool.query({
      name: 'baseline_webhook',
      text: RECORD_DELIVERED_IMAGE,
      values: [
        id,
        body.request_id,
        image.url,
        image.width,
        image.height,
        image.content_type,
        true,
        true,
      ],
    });
    if (rows.length === 1) {
      await upload.add('upload', { infographId: id }, { jobId: `upload-${id}` });
    }
    return reply.send({ received: true, outcome: rows.length === 1 ? 'accepted' : 'duplicate' });
  });

  app.post('/webhook-plain/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = verified(request, reply);
    if (!body) {
      return reply;
    }
    const image = body.payload.images[0];
    const moved = await pool.query(
      `UPDATE infographs SET fal_image_url = $3, width = $4, height = $5, content_type = $6, updated_at = now()
        WHERE id = $1 AND status = 'processing' AND fal_request_id = $2 AND fal_image_url IS NULL`,
      [id, body.request_id, image.url, image.width, image.height, image.content_type],
    );
    if (moved.rowCount === 1) {
      await upload.add('upload', { infographId: id }, { jobId: `upload-${id}` });
    }
    return reply.send({ received: true, outcome: moved.rowCount === 1 ? 'accepted' : 'duplicate' });
  });

  app.get('/health', () => ({ ok: true }));

  await app.listen({ port: Number(env('PORT')), host: '127.0.0.1' });
  const stop = (): void => {
    void app
      .close()
      .then(() => Promise.all([submit.close(), upload.close(), pool.end()]))
      .finally(() => {
        connection.disconnect();
        process.exit(0);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline failed: ${String(error)}\n`);
  process.exit(1);
});
