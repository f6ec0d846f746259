import { Infograph } from '@app/database';
import { InfographStateService } from '@app/infographs';

import { aUserWithCredits } from '../support/factories';
import { assertLedgerConsistent } from '../support/ledger';
import { TestApi, startTestApi } from '../support/test-app';

/** The create endpoint's contract, without a worker: validation, credits, idempotency. */
describe('POST /api/infographs/create/', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterEach(() => assertLedgerConsistent(api.dataSource));
  afterAll(() => api.close());

  it.each([
    [{}, /^prompt: /],
    [{ prompt: '   ' }, /prompt: prompt must not be blank/],
    [{ prompt: 'x'.repeat(4001) }, /prompt: prompt must be shorter than or equal to 4000/],
    [{ prompt: 'a\u0000b' }, /prompt: prompt must not contain NUL/],
    [{ prompt: 'p', blog_url: 'ftp://x.example/a' }, /blog_url: blog_url must be an http/],
    [{ prompt: 'p', aspect_ratio: '7:3' }, /aspect_ratio: aspect_ratio must be one of/],
    [{ prompt: 'p', resolution: '8K' }, /resolution: resolution must be one of 1K, 2K, 4K/],
    [
      { prompt: 'p', number_of_infographs: 5 },
      /number_of_infographs: number_of_infographs must not be greater than 4/,
    ],
    [
      { prompt: 'p', number_of_infographs: '2' },
      /number_of_infographs: number_of_infographs must be a whole number/,
    ],
    [{ prompt: 'p', colour: 'red' }, /colour: unknown field/],
  ])('400 naming the field for %j, nothing charged', async (body, message) => {
    const { token } = await aUserWithCredits(api.app, 3);
    const res = await api.request('POST', '/api/infographs/create/', { token, body });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
    expect(res.body.code).toBe('validation_failed');
    expect((await api.request('GET', '/api/credits/', { token })).body.balance).toBe(3);
  });

  it('400 for malformed JSON, 401 without a token', async () => {
    const { token } = await aUserWithCredits(api.app, 1);
    const malformed = await api.request('POST', '/api/infographs/create/', {
      token,
      body: '{"prompt": ',
    });
    expect(malformed.status).toBe(400);
    // Fastify refuses it before Nest runs, still in the api's error shape (not `FST_ERR_…`).
    expect(malformed.body).toMatchObject({ code: 'invalid_json', request_id: expect.any(String) });
    const tooBig = await api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'p'.repeat(200 * 1024) },
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe('payload_too_large');
    expect(
      (await api.request('POST', '/api/infographs/create/', { body: { prompt: 'p' } })).status,
    ).toBe(401);
  });

  it('402 with balance and cost when credits are short, and nothing created', async () => {
    const { user, token } = await aUserWithCredits(api.app, 3);
    const res = await api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'p', resolution: '4K', number_of_infographs: 2 },
    });
    expect(res.status).toBe(402);
    expect(res.body.message).toBe(
      'Not enough credits: this request costs 4 and your balance is 3.',
    );
    const rows = await api.dataSource.query(`SELECT id FROM infographs WHERE user_id = $1`, [
      user.id,
    ]);
    expect(rows).toEqual([]);
  });

  it('charges concurrent creates only while credits last', async () => {
    const { user, token } = await aUserWithCredits(api.app, 10);
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        api.request('POST', '/api/infographs/create/', { token, body: { prompt: 'race' } }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 402)).toHaveLength(20);
    const [{ n }] = await api.dataSource.query(
      `SELECT count(*)::int AS n FROM infographs WHERE user_id = $1`,
      [user.id],
    );
    expect(n).toBe(10);
  });

  it("reads an infograph by hand exactly as TypeORM's mapping does (no column left behind)", async () => {
    const { token } = await aUserWithCredits(api.app, 1);
    const created = await api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'columns' },
    });
    const id = created.body.infographs[0].id as string;
    const byHand = await api.app.get(InfographStateService).find(id);
    expect(byHand).toEqual(await api.dataSource.manager.findOneBy(Infograph, { id }));
    expect(byHand).toBeInstanceOf(Infograph);
  });

  it('replays an Idempotency-Key retry without charging again, and refuses the key for another body', async () => {
    const { token } = await aUserWithCredits(api.app, 5);
    const send = (prompt: string) =>
      api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt },
        headers: { 'idempotency-key': 'order-42' },
      });
    const [first, second] = await Promise.all([send('same'), send('same')]);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect((await api.request('GET', '/api/credits/', { token })).body.balance).toBe(4);
    const other = await send('different');
    expect(other.status).toBe(409);
    expect(other.body.message).toMatch(/Idempotency-Key/);
  });
});
