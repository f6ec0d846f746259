import { creditsToReverse } from './reversal-policy';

describe('creditsToReverse', () => {
  const pack = { credits: 10, price: 500 };
  const refund = (amount: number, chargeId = 'ch_1') => ({
    kind: 'refund' as const,
    chargeId,
    amount,
  });
  const dispute = (amount: number) => ({ kind: 'dispute' as const, chargeId: 'ch_1', amount });

  it('takes back nothing without a reversal, and the whole pack for a full refund', () => {
    expect(creditsToReverse(pack, [])).toBe(0);
    expect(creditsToReverse(pack, [refund(500)])).toBe(10);
  });

  it('takes back in proportion to the money, rounded up', () => {
    expect(creditsToReverse(pack, [refund(250)])).toBe(5);
    expect(creditsToReverse(pack, [refund(1)])).toBe(1);
    expect(creditsToReverse(pack, [refund(151)])).toBe(4);
  });

  it("counts a charge's running refund total once, in any order", () => {
    expect(creditsToReverse(pack, [refund(100), refund(300), refund(200)])).toBe(6);
    expect(creditsToReverse(pack, [refund(300), refund(100)])).toBe(6);
  });

  it('adds refunds of separate charges, and each dispute', () => {
    expect(creditsToReverse(pack, [refund(100, 'ch_1'), refund(100, 'ch_2')])).toBe(4);
    expect(creditsToReverse(pack, [refund(250), dispute(250)])).toBe(10);
    expect(creditsToReverse(pack, [dispute(500)])).toBe(10);
  });

  it('never takes back more than the pack, whatever the events say', () => {
    expect(creditsToReverse(pack, [refund(500), dispute(500)])).toBe(10);
    expect(creditsToReverse(pack, [refund(10_000)])).toBe(10);
    expect(creditsToReverse(pack, [refund(-5)])).toBe(0);
  });
});
