import { accountRefusal } from './account-fault';
import { DEFAULT_FAULTS, mergeFaults } from './faults';

describe('accountError fault', () => {
  it('is off by default', () => {
    expect(DEFAULT_FAULTS.accountError).toBe(0);
    expect(accountRefusal(0, 'submit')).toBeUndefined();
  });

  it("answers a wrong key's 401 to every queue call, with fal's body", () => {
    for (const call of ['submit', 'status', 'result', 'cancel'] as const) {
      const refusal = accountRefusal(401, call);
      expect(refusal).toMatchObject({
        statusCode: 401,
        message: 'No user found for Key ID and Secret',
        outcome: 'account-401',
      });
    }
  });

  it("answers a locked account's 403 to submits only, as fal does on billable calls", () => {
    expect(accountRefusal(403, 'submit')).toMatchObject({
      statusCode: 403,
      message:
        'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
      outcome: 'account-403',
    });
    expect(accountRefusal(403, 'status')).toBeUndefined();
    expect(accountRefusal(403, 'result')).toBeUndefined();
    expect(accountRefusal(403, 'cancel')).toBeUndefined();
  });

  it('answers 503 to every queue call while fal is down', () => {
    expect(accountRefusal(503, 'submit')?.statusCode).toBe(503);
    expect(accountRefusal(503, 'status')?.statusCode).toBe(503);
  });

  it('is set and cleared through the fault settings, and refuses other codes', () => {
    const on = mergeFaults(DEFAULT_FAULTS, { accountError: 403 });
    expect(on).toMatchObject({ ok: true, settings: { accountError: 403 } });
    const off = on.ok ? mergeFaults(on.settings, { accountError: 0 }) : on;
    expect(off).toMatchObject({ ok: true, settings: { accountError: 0 } });
    expect(mergeFaults(DEFAULT_FAULTS, { accountError: 500 })).toEqual({
      ok: false,
      problems: ['accountError: expected 0 (none), 401, 403 or 503'],
    });
  });
});
