import { readSimEnv, SimEnvError } from './sim-env';

describe('readSimEnv', () => {
  it('has defaults for everything', () => {
    expect(readSimEnv({})).toMatchObject({
      port: 4010,
      host: '127.0.0.1',
      latencyMs: 2000,
      jitterMs: 0,
      userId: 'fal-sim-user',
      webhookRetryBaseMs: 1000,
      hangMs: 30000,
      benchImage: false,
    });
  });

  it('reads rates and numbers', () => {
    expect(
      readSimEnv({
        FAL_SIM_PORT: '0',
        FAL_SIM_FAIL_RATE: '0.25',
        FAL_SIM_BENCH_IMAGE: '1',
        FAL_SIM_SEED: 's',
      }),
    ).toMatchObject({ port: 0, failRate: 0.25, benchImage: true, seed: 's' });
  });

  it('names every bad setting', () => {
    let error: unknown;
    try {
      readSimEnv({ FAL_SIM_PORT: 'abc', FAL_SIM_FAIL_RATE: '1.5', FAL_SIM_LATENCY_MS: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SimEnvError);
    const message = (error as Error).message;
    expect(message).toContain('FAL_SIM_PORT');
    expect(message).toContain('FAL_SIM_FAIL_RATE');
    expect(message).toContain('FAL_SIM_LATENCY_MS');
  });
});
