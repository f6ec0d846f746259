// The chaos run's user pressing "cancel" or "delete": one request, retried like a client would
// through the run's faults (5xx while Postgres connections are cut, lost answers), and recorded
// answer by answer so the judgement can tell a lost race from a retry of a lost answer.
import { LifecycleAction, LifecycleOutcome } from './lifecycle';

const ATTEMPTS = 12;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A final answer: the cancel's 200 or 409, the delete's 204, or a 404 (gone, or never there). */
const isFinal = (status: number) => status < 500 && status !== 429 && status !== 408;

export async function sendLifecycleAction(
  apiUrl: string,
  token: string,
  id: string,
  action: LifecycleAction,
): Promise<LifecycleOutcome> {
  const outcome: LifecycleOutcome = { id, kind: action.kind, answers: [], status: null };
  const [method, path] =
    action.kind === 'cancel'
      ? ['POST', `/api/infographs/${id}/cancel/`]
      : ['DELETE', `/api/infographs/${id}/`];
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    try {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Token ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json().catch(() => null)) as {
        status?: string;
        error_code?: string | null;
        request_id?: string | null;
        infograph_status?: string;
      } | null;
      outcome.answers.push(String(response.status));
      if (isFinal(response.status)) {
        outcome.status = response.status;
        if (response.status === 200) {
          outcome.answeredStatus = body?.status;
          outcome.answeredErrorCode = body?.error_code;
          outcome.answeredRequestId = body?.request_id;
        } else if (response.status === 409) {
          outcome.answeredStatus = body?.infograph_status;
        }
        return outcome;
      }
    } catch (error) {
      outcome.answers.push(`network:${(error as Error).name}`);
    }
    await sleep(Math.min(250 * attempt, 2000));
  }
  return outcome;
}

/** `GET /api/infographs/status/:id/` once the run is over (a deleted one must answer 404). */
export async function statusCodeOf(apiUrl: string, token: string, id: string): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(`${apiUrl}/api/infographs/status/${id}/`, {
        headers: { authorization: `Token ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (isFinal(response.status) || attempt === 5) {
        return response.status;
      }
    } catch (error) {
      if (attempt === 5) {
        throw error;
      }
    }
    await sleep(250 * attempt);
  }
}
