import {
  classifyStoredFile,
  DeletedRow,
  FinalRow,
  judgeLifecycle,
  LIFECYCLE,
  lifecycleActionFor,
  LifecycleOutcome,
  storageAgainstRows,
} from './lifecycle';

const USER = '2b0c4f1e-2f7a-4c1b-9d7e-0e6f3b2a1c9d';
const row = (id: string, status: string, errorCode: string | null = null): FinalRow => ({
  id,
  user_id: USER,
  status,
  error_code: errorCode,
  credits_charged: 2,
  content_type: status === 'completed' ? 'image/png' : null,
});
const gone = (r: FinalRow, refunds: number, falRequestId: string | null = null): DeletedRow => ({
  ...r,
  fal_request_id: falRequestId,
  refunds,
  refunded: refunds * r.credits_charged,
});
const cancel = (id: string, extra: Partial<LifecycleOutcome>): LifecycleOutcome => ({
  id,
  kind: 'cancel',
  answers: [String(extra.status ?? 200)],
  status: 200,
  ...extra,
});
const del = (id: string, extra: Partial<LifecycleOutcome> = {}): LifecycleOutcome => ({
  id,
  kind: 'delete',
  answers: ['204'],
  status: 204,
  statusAfterwards: 404,
  ...extra,
});

describe('chaos lifecycle plan', () => {
  it('cancels and deletes about the planned shares, the same every run, in every delay band', () => {
    const actions = Array.from({ length: 4000 }, (_, i) => lifecycleActionFor(i >> 2, i % 4));
    expect(actions).toEqual(
      Array.from({ length: 4000 }, (_, i) => lifecycleActionFor(i >> 2, i % 4)),
    );
    const cancels = actions.filter((a) => a?.kind === 'cancel');
    const deletes = actions.filter((a) => a?.kind === 'delete');
    expect(cancels.length / 4000).toBeCloseTo(LIFECYCLE.cancelShare, 1);
    expect(deletes.length / 4000).toBeCloseTo(LIFECYCLE.deleteShare, 1);
    for (const [list, bands] of [
      [cancels, LIFECYCLE.cancelDelays],
      [deletes, LIFECYCLE.deleteDelays],
    ] as const) {
      for (const band of bands) {
        const inBand = list.filter((a) => a!.delayMs >= band.fromMs && a!.delayMs < band.toMs);
        expect(inBand.length / list.length).toBeCloseTo(band.share, 1);
      }
    }
  });
});

describe('judgeLifecycle', () => {
  it('accepts cancels that won or lost and deletes whose ledger stands, and counts them', () => {
    const { report, problems } = judgeLifecycle({
      outcomes: [
        cancel('a', { answeredStatus: 'failed', answeredErrorCode: 'cancelled' }),
        cancel('b', {
          answeredStatus: 'failed',
          answeredErrorCode: 'cancelled',
          answeredRequestId: 'req-b',
        }),
        cancel('c', { status: 409, answeredStatus: 'completed' }),
        del('d'),
        del('e'),
      ],
      live: [
        row('a', 'failed', 'cancelled'),
        row('b', 'failed', 'cancelled'),
        row('c', 'completed'),
      ],
      deleted: [gone(row('d', 'failed', 'cancelled'), 1, 'req-d'), gone(row('e', 'completed'), 0)],
      strayRefunds: 0,
    });
    expect(problems).toEqual([]);
    expect(report.cancels).toEqual({
      sent: 3,
      wonPending: 1,
      wonProcessing: 1,
      lost: { completed: 1 },
      unanswered: 0,
    });
    expect(report.deletes).toMatchObject({
      deleted: 2,
      unfinished: 1,
      unfinishedAtFal: 1,
      completed: 1,
    });
  });

  it('flags a 200 whose row completed, a 409 whose row was cancelled, a cancel nobody made', () => {
    const { problems } = judgeLifecycle({
      outcomes: [
        cancel('a', { answeredStatus: 'failed', answeredErrorCode: 'cancelled' }),
        cancel('b', { status: 409, answeredStatus: 'failed' }),
      ],
      live: [
        row('a', 'completed'),
        row('b', 'failed', 'cancelled'),
        row('x', 'failed', 'cancelled'),
      ],
      deleted: [],
      strayRefunds: 0,
    });
    expect(problems).toEqual([
      'cancel of a answered 200 but it ended completed/-',
      'cancel of b answered 409 but it ended cancelled',
      '2 infographs ended cancelled that no cancel won',
    ]);
  });

  it('takes a 409 (failed, cancelled) after an unanswered attempt as the lost 200', () => {
    const { problems } = judgeLifecycle({
      outcomes: [
        cancel('b', {
          status: 409,
          answeredStatus: 'failed',
          answers: ['network:TimeoutError', '409'],
        }),
      ],
      live: [row('b', 'failed', 'cancelled')],
      deleted: [],
      strayRefunds: 0,
    });
    expect(problems).toEqual([]);
  });

  it('flags a deleted row still there, still answering, charged twice, or removed twice', () => {
    const { problems } = judgeLifecycle({
      outcomes: [
        del('d', { statusAfterwards: 200 }),
        del('e'),
        del('f'),
        del('g', { status: 404, answers: ['404'] }),
      ],
      live: [row('d', 'completed')],
      deleted: [
        gone(row('d', 'completed'), 0),
        gone(row('e', 'failed', 'cancelled'), 0),
        gone(row('f', 'completed'), 0),
        gone(row('f', 'completed'), 0),
        gone(row('h', 'completed'), 0),
      ],
      strayRefunds: 1,
    });
    expect(problems).toEqual([
      'delete of d answered 204 but the infograph is still there',
      'deleted d answers 200 on status, not 404',
      'deleted failed e had 0 refund(s) of 0, charged 2',
      'delete of f removed 2 rows',
      'delete of g ended with 404: 404',
      '1 infographs were removed that nobody deleted',
      '1 refunds lost their infograph outside a delete',
    ]);
  });

  it('flags a cancel that never got a final answer', () => {
    const { report, problems } = judgeLifecycle({
      outcomes: [cancel('a', { status: null, answers: ['503', '503'] })],
      live: [row('a', 'completed')],
      deleted: [],
      strayRefunds: 0,
    });
    expect(report.cancels.unanswered).toBe(1);
    expect(problems).toEqual(['cancel of a never answered: 503,503']);
  });
});

describe('storage against the rows', () => {
  const key = (id: string) => `infographs/${USER}/${id}.png`;

  it('classifies objects, sidecars and a killed write’s temporary file', () => {
    expect(classifyStoredFile(key('a'))).toEqual({ kind: 'object', key: key('a') });
    expect(classifyStoredFile(`.meta/${key('a')}.json`)).toEqual({
      kind: 'sidecar',
      key: key('a'),
    });
    expect(classifyStoredFile(`infographs/${USER}/.a.png.0b1c.tmp`)).toEqual({
      kind: 'temporary',
      path: `infographs/${USER}/.a.png.0b1c.tmp`,
    });
  });

  it('finds objects of cancelled, failed or deleted infographs, and completed ones without one', () => {
    const files = [key('done'), key('cancelled'), key('deleted'), `.meta/${key('gone')}.json`]
      .concat(`infographs/${USER}/.x.png.1.tmp`)
      .map(classifyStoredFile);
    expect(
      storageAgainstRows(files, [
        row('done', 'completed'),
        row('cancelled', 'failed', 'cancelled'),
        row('lost', 'completed'),
      ]),
    ).toEqual({
      orphans: [`object ${key('cancelled')}`, `object ${key('deleted')}`, `sidecar ${key('gone')}`],
      missing: [key('lost')],
      temporary: 1,
    });
  });
});
