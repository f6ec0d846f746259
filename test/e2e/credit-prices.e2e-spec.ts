import { TestApi, startTestApi } from '../support/test-app';

/** What an image costs and what a new account gets: public, so a signed-out page can say it. */
describe('credit prices', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({
      CREDITS_PRICE_PER_IMAGE: '3',
      CREDITS_PRICE_4K: '7',
      STARTER_CREDITS: '5',
    });
  });
  afterAll(() => api?.close());

  it('answers the configured prices and starter credits without a token', async () => {
    const response = await api.request('GET', '/api/credits/prices/');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ price_per_image: 3, price_4k: 7, starter_credits: 5 });
    const doc = (await api.request('GET', '/docs-json')).body;
    expect(Object.keys(doc.paths)).toContain('/api/credits/prices');
  });

  it('still keeps the balance itself behind a credential', async () => {
    expect((await api.request('GET', '/api/credits/')).status).toBe(401);
  });
});
