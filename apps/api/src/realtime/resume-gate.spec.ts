import type { StampedEvent } from '@app/notifications';

import { ResumeGate } from './resume-gate';

const at = (id: string): StampedEvent => ({ id, event: { type: 'x', userId: 'u' } });
const ids = (events: StampedEvent[]) => events.map((e) => e.id);

describe('ResumeGate', () => {
  it('holds live events until the replay is read, then sends replay + held, each once, in order', () => {
    const gate = new ResumeGate();
    // Published after the client's last id (5-0): 6-0 and 7-0 are in the replay AND heard live.
    expect(gate.live(at('7-0'))).toEqual([]);
    expect(gate.live(at('8-0'))).toEqual([]);
    expect(ids(gate.open('5-0', [at('6-0'), at('7-0')]))).toEqual(['6-0', '7-0', '8-0']);
    expect(ids(gate.live(at('9-0')))).toEqual(['9-0']);
  });

  it('drops a live event at or below the last one sent (a repeat)', () => {
    const gate = new ResumeGate();
    expect(ids(gate.open('5-0', [at('6-0')]))).toEqual(['6-0']);
    expect(gate.live(at('6-0'))).toEqual([]);
    expect(gate.live(at('5-3'))).toEqual([]);
    expect(ids(gate.live(at('6-1')))).toEqual(['6-1']);
  });

  it('compares ids numerically, not as text', () => {
    const gate = new ResumeGate();
    gate.open('999-9', []);
    expect(ids(gate.live(at('1000-0')))).toEqual(['1000-0']);
    expect(ids(gate.live(at('1000-10')))).toEqual(['1000-10']);
    expect(gate.live(at('1000-9'))).toEqual([]);
  });

  it('without a last id, passes everything from the replay on', () => {
    const gate = new ResumeGate();
    gate.live(at('3-0'));
    expect(ids(gate.open(null, []))).toEqual(['3-0']);
    expect(ids(gate.live(at('4-0')))).toEqual(['4-0']);
  });
});
