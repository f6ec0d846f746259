// The chaos run under Jest. Short profile by default (CI); CHAOS_PROFILE=full for the
// few-thousand-infograph run (`npm run test:chaos`). The JSON report is written to
// test-artifacts/chaos/report-<profile>.json (or CHAOS_REPORT) and its summary printed.
import { PrivateRedis } from '../support/redis-server';
import { ChaosReport, PROFILES, runChaos, summarise } from './chaos-run';

const profile = PROFILES[process.env.CHAOS_PROFILE === 'full' ? 'full' : 'short'];
// Everything the run does is bounded; this is the outer bound on top (setup, load, drain, checks).
const TIMEOUT_MS = profile.createWindowMs + profile.drainTimeoutMs + 120_000;

const describeIfRedis = PrivateRedis.available() ? describe : describe.skip;

describeIfRedis(`chaos (${profile.name}): nothing lost, nothing charged twice`, () => {
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos(profile);
    process.stdout.write(`${summarise(report)}\n`);
  }, TIMEOUT_MS);

  it('ends every infograph completed (in storage) or failed-and-refunded once, with the ledger intact', () => {
    expect(report.failures).toEqual([]);
    expect(report.nonTerminal).toBe(0);
    expect(report.missingObjects).toBe(0);
    expect(report.ledgerProblems).toEqual([]);
    expect(report.refundedTwice).toBe(0);
    expect(report.chargedForFailed).toBe(0);
    expect(report.balanceMismatches).toBe(0);
    expect(report.completed + report.failed).toBe(report.created);
    expect(report.created).toBeGreaterThan(0);
  });

  it('recovers lost webhooks through the reconciler', () => {
    expect(report.lostWebhooks.total).toBeGreaterThan(0);
    expect(report.lostWebhooks.recoveredByReconcile + report.lostWebhooks.failed).toBe(
      report.lostWebhooks.total,
    );
  });

  it('does not let a stale out-of-order ERROR fail an infograph that fal completed', () => {
    // fal-sim's out-of-order fault: a stale ERROR webhook, then the true OK (status says COMPLETED).
    expect(report.outOfOrder.failedByStaleError).toBe(0);
  });
});
