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
      concurrency: 4,
      latencyProfile: 'fixed',
      latencyScale: 1,
      validateAtSubmit: false,
      maxLongSide: undefined,
    });
  });

  it('reads the fal-likeness settings', () => {
    expect(
      readSimEnv({
        FAL_SIM_CONCURRENCY: '0',
        FAL_SIM_LATENCY_PROFILE: 'fal',
        FAL_SIM_LATENCY_SCALE: '0.01',
        FAL_SIM_VALIDATE_AT_SUBMIT: 'true',
        FAL_SIM_CANCEL_IGNORED_RATE: '0',
        FAL_SIM_WEBHOOK_RETRY_KEEPS_TIMESTAMP_RATE: '1',
        FAL_SIM_MAX_LONG_SIDE: '6336',
      }),
    ).toMatchObject({
      concurrency: 0,
      latencyProfile: 'fal',
      latencyScale: 0.01,
      validateAtSubmit: true,
      cancelIgnoredRate: 0,
      webhookRetryKeepsTimestampRate: 1,
      maxLongSide: 6336,
    });
  });

  it('reads the internal-retry rate and bare JWKS keys', () => {
    expect(readSimEnv({})).toMatchObject({ jwksBareKeys: false });
    expect(
      readSimEnv({ FAL_SIM_GATEWAY_RETRY_RATE: '0.1', FAL_SIM_JWKS_BARE_KEYS: '1' }),
    ).toMatchObject({ gatewayRetryRate: 0.1, jwksBareKeys: true });
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
      readSimEnv({
        FAL_SIM_PORT: 'abc',
        FAL_SIM_FAIL_RATE: '1.5',
        FAL_SIM_LATENCY_MS: '-1',
        FAL_SIM_LATENCY_PROFILE: 'slow',
        FAL_SIM_LATENCY_SCALE: '0',
        FAL_SIM_CONCURRENCY: '-2',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SimEnvError);
    const message = (error as Error).message;
    expect(message).toContain('FAL_SIM_PORT');
    expect(message).toContain('FAL_SIM_FAIL_RATE');
    expect(message).toContain('FAL_SIM_LATENCY_MS');
    expect(message).toContain('FAL_SIM_LATENCY_PROFILE');
    expect(message).toContain('FAL_SIM_LATENCY_SCALE');
    expect(message).toContain('FAL_SIM_CONCURRENCY');
  });
});
