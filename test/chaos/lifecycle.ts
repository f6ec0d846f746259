// The users' cancels and deletes in the chaos run: which infographs get one and when (seeded, so
// a profile's plan is the same every run), and the pure judgement of what came of them: each
// answer consistent with the row's end, the ledger right for rows that are gone, and no stored
// object that no completed, live infograph owns.
import { storageKeyFor } from '@app/storage';

import { prng } from './prng';

export type LifecycleKind = 'cancel' | 'delete';

/** A cancel or delete, sent this long after the create that made the infograph was answered. */
export interface LifecycleAction {
  kind: LifecycleKind;
  delayMs: number;
}

/**
 * Shares of the acknowledged infographs (not marked to fail every submit) that are cancelled or
 * deleted, and when. fal-sim runs a request for 300–600 ms, so an early cancel usually meets a
 * `pending` row, a few hundred ms later a `processing` one (whose cancel fal may ignore and
 * finish anyway), and a late one a finished row (409). Deletes come early (unfinished: cancelled
 * first) or late (completed: the stored image goes too).
 */
export const LIFECYCLE = {
  cancelShare: 0.12,
  deleteShare: 0.1,
  cancelDelays: [
    { share: 0.35, fromMs: 0, toMs: 60 },
    { share: 0.45, fromMs: 150, toMs: 900 },
    { share: 0.2, fromMs: 1500, toMs: 4000 },
  ],
  deleteDelays: [
    { share: 0.45, fromMs: 0, toMs: 900 },
    { share: 0.55, fromMs: 2500, toMs: 5000 },
  ],
} as const;

type Band = { share: number; fromMs: number; toMs: number };

function delayIn(bands: readonly Band[], r: number, within: number): number {
  for (const band of bands) {
    if ((r -= band.share) < 0 || band === bands[bands.length - 1]) {
      return Math.floor(band.fromMs + within * (band.toMs - band.fromMs));
    }
  }
  return 0; // unreachable: the last band always answers
}

/**
 * What the user does to the `position`-th infograph of create request `createIndex`: nothing,
 * a cancel or a delete, and after how long. Seeded by the two numbers alone, so it does not
 * depend on the order the answers arrived in.
 */
export function lifecycleActionFor(createIndex: number, position: number): LifecycleAction | null {
  const random = prng(0x19_0000 + createIndex * 8 + position);
  const [kindDraw, bandDraw, within] = [random(), random(), random()];
  if (kindDraw < LIFECYCLE.cancelShare) {
    return { kind: 'cancel', delayMs: delayIn(LIFECYCLE.cancelDelays, bandDraw, within) };
  }
  if (kindDraw < LIFECYCLE.cancelShare + LIFECYCLE.deleteShare) {
    return { kind: 'delete', delayMs: delayIn(LIFECYCLE.deleteDelays, bandDraw, within) };
  }
  return null;
}

/** What the client saw of one cancel or delete, after its retries. */
export interface LifecycleOutcome {
  id: string;
  kind: LifecycleKind;
  /** Every answer in order: an HTTP status, or `network:<error name>`. */
  answers: string[];
  /** The answer that ended it (200, 409, 204, 404…), or null when no attempt got a final one. */
  status: number | null;
  /** A cancel's 200: the row as answered; its 409: the status it had already finished in. */
  answeredStatus?: string;
  answeredErrorCode?: string | null;
  /** A cancel's 200: fal's request id the row had, so it was `processing` (at fal) when cancelled. */
  answeredRequestId?: string | null;
  /** A delete's: `GET /api/infographs/status/:id/` after the run. */
  statusAfterwards?: number;
}

/** A retry may find the work done by an attempt whose answer was lost (network, 5xx). */
function hadUnansweredAttempt(o: LifecycleOutcome): boolean {
  return o.answers.slice(0, -1).some((a) => !/^(200|204|409|404)$/.test(a));
}

/** An infograph as it ended, from the database. */
export interface FinalRow {
  id: string;
  user_id: string;
  status: string;
  error_code: string | null;
  credits_charged: number;
  content_type: string | null;
}

/** A deleted infograph as it was when its row went, with the refunds it had then. */
export interface DeletedRow extends FinalRow {
  fal_request_id: string | null;
  refunds: number;
  refunded: number;
}

export interface LifecycleReport {
  cancels: {
    sent: number;
    /** 200 for a `pending` row (no fal request yet). */
    wonPending: number;
    /** 200 for a `processing` row: fal was asked to stop, and may have finished anyway. */
    wonProcessing: number;
    /** 409: it had finished first, in the status given. */
    lost: Record<string, number>;
    unanswered: number;
  };
  deletes: {
    sent: number;
    deleted: number;
    /** Deleted while `pending` or `processing`: cancelled (and refunded) first. */
    unfinished: number;
    /** Of those, already at fal. */
    unfinishedAtFal: number;
    completed: number;
    /** Failed (not by the delete) before it was deleted. */
    failedBefore: number;
    unanswered: number;
  };
}

/**
 * Judges the cancels and deletes against how the infographs ended. `live` is every infograph
 * still in the database; `deleted` the rows deletes removed (several for one id would be a
 * defect); `strayRefunds` the refund entries that lost their infograph without a delete
 * having seen them. Returns the counts and every broken promise, described.
 */
export function judgeLifecycle(input: {
  outcomes: LifecycleOutcome[];
  live: FinalRow[];
  deleted: DeletedRow[];
  strayRefunds: number;
}): { report: LifecycleReport; problems: string[] } {
  const problems: string[] = [];
  const live = new Map(input.live.map((r) => [r.id, r]));
  const deletedRows = new Map<string, DeletedRow[]>();
  for (const row of input.deleted) {
    deletedRows.set(row.id, [...(deletedRows.get(row.id) ?? []), row]);
  }
  const cancels = input.outcomes.filter((o) => o.kind === 'cancel');
  const deletes = input.outcomes.filter((o) => o.kind === 'delete');
  const report: LifecycleReport = {
    cancels: { sent: cancels.length, wonPending: 0, wonProcessing: 0, lost: {}, unanswered: 0 },
    deletes: {
      sent: deletes.length,
      deleted: 0,
      unfinished: 0,
      unfinishedAtFal: 0,
      completed: 0,
      failedBefore: 0,
      unanswered: 0,
    },
  };

  for (const o of cancels) {
    const row = live.get(o.id);
    const ended = row ? `${row.status}/${row.error_code ?? '-'}` : 'gone';
    if (o.status === null) {
      report.cancels.unanswered += 1;
      problems.push(`cancel of ${o.id} never answered: ${o.answers.join(',')}`);
    } else if (o.status === 200) {
      if (o.answeredStatus !== 'failed' || o.answeredErrorCode !== 'cancelled') {
        problems.push(
          `cancel of ${o.id} answered 200 with ${o.answeredStatus}/${o.answeredErrorCode}`,
        );
      }
      if (row?.status !== 'failed' || row.error_code !== 'cancelled') {
        problems.push(`cancel of ${o.id} answered 200 but it ended ${ended}`);
      }
      if (o.answeredRequestId) {
        report.cancels.wonProcessing += 1;
      } else {
        report.cancels.wonPending += 1;
      }
    } else if (o.status === 409) {
      const finished = o.answeredStatus ?? '?';
      report.cancels.lost[finished] = (report.cancels.lost[finished] ?? 0) + 1;
      if (row?.status !== finished) {
        problems.push(`cancel of ${o.id} answered 409 (${finished}) but it ended ${ended}`);
      } else if (row.error_code === 'cancelled' && !hadUnansweredAttempt(o)) {
        problems.push(`cancel of ${o.id} answered 409 but it ended cancelled`);
      }
    } else {
      problems.push(`cancel of ${o.id} ended with ${o.status}: ${o.answers.join(',')}`);
    }
  }
  // Only a user's cancel (or delete, whose rows are gone) fails an infograph as cancelled.
  const cancelledOnRequest = new Set(
    cancels
      .filter((o) => o.status === 200 || (o.status === 409 && hadUnansweredAttempt(o)))
      .map((o) => o.id),
  );
  const cancelledByNobody = input.live.filter(
    (r) => r.error_code === 'cancelled' && !cancelledOnRequest.has(r.id),
  );
  if (cancelledByNobody.length > 0) {
    problems.push(`${cancelledByNobody.length} infographs ended cancelled that no cancel won`);
  }

  for (const o of deletes) {
    const rows = deletedRows.get(o.id) ?? [];
    const done = o.status === 204 || (o.status === 404 && hadUnansweredAttempt(o));
    if (!done) {
      if (o.status === null) {
        report.deletes.unanswered += 1;
      }
      problems.push(`delete of ${o.id} ended with ${o.status}: ${o.answers.join(',')}`);
      continue;
    }
    if (live.has(o.id)) {
      problems.push(`delete of ${o.id} answered ${o.status} but the infograph is still there`);
    }
    if (o.statusAfterwards !== 404) {
      problems.push(`deleted ${o.id} answers ${o.statusAfterwards} on status, not 404`);
    }
    if (rows.length !== 1) {
      problems.push(`delete of ${o.id} removed ${rows.length} rows`);
      continue;
    }
    const [row] = rows;
    report.deletes.deleted += 1;
    if (row.status === 'completed') {
      report.deletes.completed += 1;
    } else if (row.error_code === 'cancelled') {
      report.deletes.unfinished += 1;
      report.deletes.unfinishedAtFal += row.fal_request_id ? 1 : 0;
    } else {
      report.deletes.failedBefore += 1;
    }
    // Gone, but what it cost stands: charged and kept when it completed, else refunded once.
    if (row.status === 'completed' && row.refunds !== 0) {
      problems.push(`deleted completed ${o.id} had ${row.refunds} refund(s)`);
    } else if (
      row.status === 'failed' &&
      (row.refunds !== 1 || row.refunded !== row.credits_charged)
    ) {
      problems.push(
        `deleted failed ${o.id} had ${row.refunds} refund(s) of ${row.refunded}, charged ${row.credits_charged}`,
      );
    } else if (row.status !== 'completed' && row.status !== 'failed') {
      problems.push(`delete removed ${o.id} while it was ${row.status}`);
    }
  }
  const deletedOnRequest = new Set(deletes.map((o) => o.id));
  const removedByNobody = [...deletedRows.keys()].filter((id) => !deletedOnRequest.has(id));
  if (removedByNobody.length > 0) {
    problems.push(`${removedByNobody.length} infographs were removed that nobody deleted`);
  }
  if (input.strayRefunds > 0) {
    problems.push(`${input.strayRefunds} refunds lost their infograph outside a delete`);
  }
  return { report, problems };
}

/** What a file under the local storage driver's folder is. */
export type StoredFile =
  | { kind: 'object'; key: string }
  | { kind: 'sidecar'; key: string }
  /** A dot-named temporary file a killed write left behind: no key names it, nothing serves it. */
  | { kind: 'temporary'; path: string };

/** Classifies a path relative to the storage folder (`/`-separated), as the local driver lays it out. */
export function classifyStoredFile(relativePath: string): StoredFile {
  const parts = relativePath.split('/');
  if (parts.some((p) => p.startsWith('.') && p !== '.meta')) {
    return { kind: 'temporary', path: relativePath };
  }
  if (parts[0] === '.meta') {
    return {
      kind: 'sidecar',
      key: parts
        .slice(1)
        .join('/')
        .replace(/\.json$/, ''),
    };
  }
  return { kind: 'object', key: relativePath };
}

/**
 * Storage against the database: every object (and sidecar) belongs to a completed infograph that
 * still exists, and every such infograph's object is there. Returns the keys that break either.
 */
export function storageAgainstRows(
  files: StoredFile[],
  live: FinalRow[],
): { orphans: string[]; missing: string[]; temporary: number } {
  const owned = new Set(
    live
      .filter((r) => r.status === 'completed' && r.content_type)
      .map((r) =>
        storageKeyFor({ userId: r.user_id, infographId: r.id, contentType: r.content_type ?? '' }),
      ),
  );
  const objects = new Set(files.flatMap((f) => (f.kind === 'object' ? [f.key] : [])));
  const orphans = files.flatMap((f) =>
    f.kind !== 'temporary' && !owned.has(f.key) ? [`${f.kind} ${f.key}`] : [],
  );
  const missing = [...owned].filter((key) => !objects.has(key));
  const temporary = files.filter((f) => f.kind === 'temporary').length;
  return { orphans, missing, temporary };
}
