// The bare baseline: plain Fastify + pg + BullMQ doing the same database work and queue add as the
// product's create and webhook endpoints, with nothing else (no Nest, no auth lookup, no
// validation framework, no ORM). Run as its own process by bench/http.ts.
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
  const jwks = (await (await fetch(env('JWKS_URL'))).json()) as { keys: { x: string }[] };
  const keys: KeyObject[] = jwks.keys.map((k) =>
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' }),
  );
  const publicUrl = env('PUBLIC_URL');

  const app = Fastify({ logger: false });
  // Raw bytes for the webhook (the signature covers them); JSON parse by hand.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

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
    return reply.code(201).send({
      infographs: ids.map((id) => ({
        id,
        request_id: null,
        status: 'pending',
        status_url: `${publicUrl}/api/infographs/status/${id}/`,
      })),
      total_submitted: ids.length,
      credits_used: count,
    });
  });

  app.post('/webhook/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const raw = request.body as Buffer;
    const h = request.headers;
    const requestId = h['x-fal-webhook-request-id'] as string;
    const message = Buffer.from(
      `${requestId}\n${h['x-fal-webhook-user-id'] as string}\n${h['x-fal-webhook-timestamp'] as string}\n${createHash('sha256').update(raw).digest('hex')}`,
    );
    const signature = Buffer.from(h['x-fal-webhook-signature'] as string, 'hex');
    if (Math.abs(Date.now() / 1000 - Number(h['x-fal-webhook-timestamp'])) > 300) {
      return reply.code(401).send({ message: 'stale' });
    }
    if (!keys.some((key) => verify(null, message, key, signature))) {
      return reply.code(401).send({ message: 'signature' });
    }
    const body = JSON.parse(raw.toString('utf8')) as {
      request_id: string;
      payload: { images: { url: string; width: number; height: number; content_type: string }[] };
    };
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
