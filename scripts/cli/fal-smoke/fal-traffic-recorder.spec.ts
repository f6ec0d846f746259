import { FalTrafficRecorder } from './fal-traffic-recorder';

describe('FalTrafficRecorder', () => {
  it('records what fal answered under the current label and still hands the body on', async () => {
    // The network is the boundary: a fetch answering like fal's status call.
    const recorder = new FalTrafficRecorder(() =>
      Promise.resolve(
        Response.json(
          { status: 'IN_QUEUE', queue_position: 3 },
          { status: 202, headers: { 'x-fal-request-id': 'req-1', 'cache-control': 'no-store' } },
        ),
      ),
    );
    const body = await recorder.during('status', async () => {
      const response = await recorder.fetch('https://queue.fal.run/x/y/requests/req-1/status');
      return response.json();
    });
    expect(body).toEqual({ status: 'IN_QUEUE', queue_position: 3 });
    expect(recorder.of('status')).toEqual([
      {
        label: 'status',
        method: 'GET',
        url: 'https://queue.fal.run/x/y/requests/req-1/status',
        status: 202,
        falHeaders: { 'x-fal-request-id': 'req-1' },
        body: { status: 'IN_QUEUE', queue_position: 3 },
      },
    ]);
  });

  it('records a transport error and rethrows it, so the client still sees it', async () => {
    const recorder = new FalTrafficRecorder(() => Promise.reject(new TypeError('fetch failed')));
    await expect(
      recorder.during('submit', () =>
        recorder.fetch('https://queue.fal.run/x/y', { method: 'post' }),
      ),
    ).rejects.toThrow('fetch failed');
    expect(recorder.exchanges).toEqual([
      {
        label: 'submit',
        method: 'POST',
        url: 'https://queue.fal.run/x/y',
        falHeaders: {},
        error: 'fetch failed',
      },
    ]);
  });

  it('keeps a body that is not JSON as text', async () => {
    const recorder = new FalTrafficRecorder(() =>
      Promise.resolve(new Response('Bad Gateway', { status: 502 })),
    );
    await recorder.during('result', () => recorder.fetch('https://queue.fal.run/x'));
    expect(recorder.of('result')[0]).toMatchObject({ status: 502, body: 'Bad Gateway' });
  });
});
