import { pushEndpointProblem } from './push-endpoint';

describe('pushEndpointProblem', () => {
  it('accepts a push service on the public internet over https', () => {
    expect(pushEndpointProblem('https://fcm.googleapis.com/fcm/send/abc', false)).toBeNull();
    expect(pushEndpointProblem('https://web.push.apple.com/QGuQ', false)).toBeNull();
  });

  it.each([
    ['not a url', /full https/],
    ['http://push.example.com/x', /https/],
    ['https://user:pw@push.example.com/x', /user name/],
    ['https://localhost/x', /not localhost/],
    ['https://127.0.0.1/x', /not a public internet address/],
    ['https://[::1]/x', /not a public internet address/],
    ['https://10.0.0.5/x', /not a public internet address/],
    ['https://169.254.169.254/latest', /not a public internet address/],
    [`https://push.example.com/${'a'.repeat(2048)}`, /at most 2048/],
  ])('refuses %s', (endpoint, problem) => {
    expect(pushEndpointProblem(endpoint, false)).toMatch(problem);
  });

  it('lets tests use a plain http push service on loopback', () => {
    expect(pushEndpointProblem('http://127.0.0.1:4000/push/1', true)).toBeNull();
  });
});
