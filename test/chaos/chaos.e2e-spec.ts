// The chaos run under Jest. Short profile by default (CI); CHAOS_PROFILE=full for the
// few-thousand-infograph run (`npm run test:chaos`). The JSON report is written to
// test-artifacts/chaos/report-<profile>.json (or CHAOS_REPORT) and its summary printed.
import { ChaosReport, JOB_ATTEMPTS, PROFILES, runChaos, summarise } from './chaos-run';

const profile = PROFILES[process.env.CHAOS_PROFILE === 'full' ? 'full' : 'short'];
// Everything the run does is bounded; this is the outer bound on top (setup, load, drain, checks).
const TIMEOUT_MS = profile.createWindowMs + profile.drainTimeoutMs + 120_000;

describe(`chaos (${profile.name}): nothing lost, nothing charged twice`, () => {
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos(profile);
    process.stdout.write(`${summarise(report)}\n`);
  }, TIMEOUT_MS);

  it('ends every infograph completed (in storage) or failed-and-refunded once, with the ledger intact', () => {
    expect(report.failures).toEqual([]);
    expect(report.nonTerminal).toBe(0);
    expect(report.missingObjects).toBe(0);
    expect(report.orphanObjects).toEqual([]);
    expect(report.ledgerProblems).toEqual([]);
    expect(report.refundedTwice).toBe(0);
    expect(report.chargedForFailed).toBe(0);
    expect(report.balanceMismatches).toBe(0);
    expect(report.completed + report.failed).toBe(report.created);
    expect(report.created).toBeGreaterThan(0);
  });

  it('completes the share the injected faults allow, not merely fails and refunds the rest', () => {
    // Expected: all but fal's own failures (FAL_SIM_FAIL_RATE) and the rare infograph whose every
    // submit drew a random 500, with a margin; the marked always-failing ones are left out.
    expect(report.completion.eligible).toBeGreaterThan(profile.creates / 2);
    expect(report.completion.share).toBeGreaterThanOrEqual(report.completion.minShare);
    expect(report.completion.minShare).toBeGreaterThan(0.85);
  });

  it('ends each create with a 201, or the 402 the user without credits must get, nothing else', () => {
    expect(report.createRequests.unexpectedClientErrors).toBe(0);
    expect(report.createRequests.finalStatusCounts).toEqual({
      '201': report.createRequests.planned - report.createRequests.insufficientCreditsExpected,
      '402': report.createRequests.insufficientCreditsExpected,
    });
  });

  it('delivers every customer webhook, signed under its owner’s secret, the killed worker’s again under the same webhook-id', () => {
    const w = report.customerWebhooks;
    expect(w.endpoints).toBe(report.users);
    expect(w.messages).toBeGreaterThan(0);
    expect(w.undelivered).toBe(0);
    expect(w.unverified).toBe(0);
    expect(w.inFlightAtKill).toBeGreaterThan(0);
    expect(w.redeliveredSameId).toBe(w.inFlightAtKill);
    expect(w.terminalWithoutEvent).toBe(0);
  });

  it('gives back every fal slot: none is held once every infograph has finished', () => {
    expect(report.falSlotsHeld).toBe(0);
  });

  it('recovers lost webhooks through the reconciler', () => {
    // Every lost webhook of a request fal completed ends completed (only the reconciler's polling
    // can have done that); the others are fal's own failures.
    expect(report.lostWebhooks.completedAtFal).toBeGreaterThan(0);
    expect(report.lostWebhooks.recoveredByReconcile).toBe(report.lostWebhooks.completedAtFal);
    expect(report.lostWebhooks.failed).toBe(
      report.lostWebhooks.total - report.lostWebhooks.completedAtFal,
    );
  });

  it('fails and refunds once, in full, every infograph whose every submit fails', () => {
    const s = report.submitAlwaysFails;
    expect(s.infographs).toBeGreaterThan(0);
    expect(s.acceptedSubmits).toBe(0);
    // Each was submitted at least once per job attempt (a re-enqueue after the Redis crash adds more).
    expect(s.rejectedSubmits).toBeGreaterThanOrEqual(s.infographs * JOB_ATTEMPTS);
    expect(s.failed).toBe(s.infographs);
    expect(s.refundedOnceInFull).toBe(s.infographs);
  });

  it('injected every fault it claims', () => {
    expect(report.faults).toMatchObject({ workerKilledBy: 'SIGKILL', redisRestarts: 1 });
    expect(report.faults.postgresConnectionsCut).toHaveLength(2);
    for (const cut of report.faults.postgresConnectionsCut) {
      expect(cut).toBeGreaterThan(0);
    }
    expect(report.faults.submitErrors).toBeGreaterThan(0);
    expect(report.faults.duplicateDeliveries).toBeGreaterThan(0);
    expect(report.faults.lostWebhooks).toBeGreaterThan(0);
    expect(report.faults.outOfOrder).toBeGreaterThan(0);
    expect(report.faults.failedGenerations).toBeGreaterThan(0);
  });

  it('ends each cancel as it answered, and leaves no trace of a deleted infograph but its ledger', () => {
    const { cancels, deletes, problems } = report.lifecycle;
    // Each 200 ended failed with error_code cancelled and refunded once; each 409 in the status it
    // named (completed: the image won the race, and stays paid for); each deleted one answers 404,
    // kept its charge if it had completed or its one refund if not, and left no stored object.
    expect(problems).toEqual([]);
    expect(cancels.unanswered).toBe(0);
    expect(deletes.unanswered).toBe(0);
    expect(deletes.deleted).toBe(deletes.sent);
    // The races happened: pending and processing rows cancelled, finished ones refusing (409),
    // unfinished rows deleted (cancelled first) and completed ones deleted with their image.
    expect(cancels.wonPending).toBeGreaterThan(0);
    expect(cancels.wonProcessing).toBeGreaterThan(0);
    expect(Object.values(cancels.lost).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
    expect(deletes.unfinished).toBeGreaterThan(0);
    expect(deletes.completed).toBeGreaterThan(0);
  });

  it('does not let a stale out-of-order ERROR fail an infograph that fal completed', () => {
    // fal-sim's out-of-order fault: a stale ERROR webhook, then the true OK (status says COMPLETED).
    expect(report.outOfOrder.total).toBeGreaterThan(0);
    expect(report.outOfOrder.failedByStaleError).toBe(0);
  });
});
