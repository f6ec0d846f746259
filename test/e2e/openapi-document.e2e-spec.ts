// The document the api serves at /docs-json, used as Swagger UI and generated clients use it.
import { aUserWithCredits } from '../support/factories';
import { TestApi, startTestApi } from '../support/test-app';

describe('the served OpenAPI document', () => {
  let api: TestApi;
  let doc: any;

  beforeAll(async () => {
    api = await startTestApi({ PUBLIC_API_URL: 'https://api.example.com' });
    doc = (await api.request('GET', '/docs-json')).body;
  });
  afterAll(() => api?.close());

  it('names PUBLIC_API_URL as its server', () => {
    expect(doc.servers).toEqual([{ url: 'https://api.example.com' }]);
  });

  it('lets Swagger’s "Try it out" create: no required header, and the example body is accepted', async () => {
    const create = doc.paths['/api/infographs/create'].post;
    const required = (create.parameters ?? []).filter((p: { required?: boolean }) => p.required);
    expect(required).toEqual([]);
    // What Swagger UI fills the body with: each property's example.
    const schema = doc.components.schemas.CreateInfographsDto;
    const body = Object.fromEntries(
      Object.entries(schema.properties as Record<string, { example?: unknown }>).map(
        ([name, property]) => [name, property.example],
      ),
    );
    const { token } = await aUserWithCredits(api.app, 2);
    const created = await api.request('POST', '/api/infographs/create/', { token, body });
    expect(created.status).toBe(201);
    expect(created.body.total_submitted).toBe(body.number_of_infographs);
  });

  it('asks for no credentials where none are needed, and documents webhooks by signature', () => {
    expect(doc.paths['/health/live'].get.security).toEqual([]);
    expect(doc.paths['/api/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/api/infographs/create'].post.security).toBeUndefined();
    expect(doc.security).toEqual([{ token: [] }, { session: [] }]);
    const fal = doc.paths['/api/infographs/webhook/{id}'].post;
    expect(fal.security).toEqual([]);
    expect(fal.parameters.map((p: { name: string }) => p.name)).toContain(
      'x-fal-webhook-signature',
    );
  });
});
