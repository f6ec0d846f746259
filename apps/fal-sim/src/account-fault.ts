import { HttpError } from './http-error';

/**
 * Trouble with the whole fal account rather than with one request, switched on and off through
 * the `accountError` fault setting (0: none):
 * - 401, fal's answer to a wrong key, to every queue call;
 * - 403, fal's answer for a locked account (an exhausted balance), to billable calls only: a
 *   submit is refused while status, result and cancel still answer, as they do at fal;
 * - 503, fal itself being down, to every queue call.
 */
export const ACCOUNT_ERRORS = [0, 401, 403, 503] as const;
export type AccountError = (typeof ACCOUNT_ERRORS)[number];

/** fal's own bodies for 401 and 403, word for word: clients may show or log them. */
const DETAIL: Record<Exclude<AccountError, 0>, string> = {
  401: 'No user found for Key ID and Secret',
  403: 'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
  503: 'Service temporarily unavailable (fal-sim accountError fault)',
};

/** Thrown from a queue route; its `{ detail }` answer is HttpError's. */
export class AccountFaultError extends HttpError {
  constructor(readonly status: Exclude<AccountError, 0>) {
    super(status, DETAIL[status]);
  }

  /** How fal-sim's submit records list it. */
  get outcome(): `account-${Exclude<AccountError, 0>}` {
    return `account-${this.status}`;
  }
}

/** The refusal a queue call gets under the `accountError` setting (validated by mergeFaults). */
export function accountRefusal(
  setting: number,
  call: 'submit' | 'status' | 'result' | 'cancel',
): AccountFaultError | undefined {
  if (setting === 401 || setting === 503 || (setting === 403 && call === 'submit')) {
    return new AccountFaultError(setting);
  }
  return undefined;
}
