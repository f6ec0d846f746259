import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify, { FastifyInstance } from 'fastify';

import { NOT_BUILT_MESSAGE, defaultWebRoot, registerWebAssets } from './web-assets';

describe('registerWebAssets', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'web-assets-'));
    app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    app.get('/api/me', () => ({ ok: true }));
  });

  afterEach(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 at / with how to build, when the page is not built', async () => {
    await registerWebAssets(app, join(dir, 'missing'));
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe(NOT_BUILT_MESSAGE);
    expect(response.body).toContain('npm run build');
    expect((await app.inject({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
  });

  it('serves index.html uncached and hashed assets for a year, next to the api routes', async () => {
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(dir, 'app-ABCDEF12.js'), 'console.log(1)');
    await registerWebAssets(app, dir);

    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.headers['cache-control']).toBe('no-cache');

    const script = await app.inject({ method: 'GET', url: '/app-ABCDEF12.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    // Exact routes only: the api's own paths and unknown paths are untouched.
    expect((await app.inject({ method: 'GET', url: '/api/me' })).json()).toEqual({ ok: true });
    expect((await app.inject({ method: 'GET', url: '/nope.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/../package.json' })).statusCode).toBe(404);
  });

  it('serves the service worker fresh and allowed at /, and the manifest as a manifest', async () => {
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(dir, 'sw.js'), 'self.addEventListener("push", () => {})');
    await writeFile(join(dir, 'manifest.webmanifest'), '{"name":"x"}');
    await registerWebAssets(app, dir);

    const worker = await app.inject({ method: 'GET', url: '/sw.js' });
    expect(worker.statusCode).toBe(200);
    expect(worker.headers['content-type']).toContain('javascript');
    expect(worker.headers['cache-control']).toBe('no-cache');
    expect(worker.headers['service-worker-allowed']).toBe('/');

    const manifest = await app.inject({ method: 'GET', url: '/manifest.webmanifest' });
    expect(manifest.headers['content-type']).toBe('application/manifest+json; charset=utf-8');
    expect(manifest.headers['cache-control']).toBe('no-cache');
    expect(manifest.headers['service-worker-allowed']).toBeUndefined();
  });

  it('finds dist/web at the repository root', () => {
    expect(defaultWebRoot()).toBe(join(__dirname, '..', '..', '..', '..', 'dist', 'web'));
  });
});
