import { type Flags, UsageError } from './command';

// Ledger amounts and balances are Postgres `integer` columns.
const MAX_AMOUNT = 2_147_483_647;

export function requireString(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UsageError(`--${name} is required.`);
  }
  return value.trim();
}

export function optionalString(flags: Flags, name: string, fallback: string): string {
  const value = flags[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

export function email(flags: Flags): string {
  const value = requireString(flags, 'email');
  if (!/^[^\s@]+@[^\s@]+$/.test(value)) {
    throw new UsageError(`--email ${value} is not an e-mail address.`);
  }
  return value;
}

/** A whole-number flag of at least `min`; `fallback` when the flag is absent (required without one). */
export function wholeNumber(flags: Flags, name: string, min: number, fallback?: number): number {
  const raw = flags[name];
  if (raw === undefined && fallback !== undefined) {
    return fallback;
  }
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < min) {
    throw new UsageError(`--${name} must be a whole number of ${min} or more.`);
  }
  if (Number(raw) > MAX_AMOUNT) {
    throw new UsageError(`--${name} must be at most ${MAX_AMOUNT}.`);
  }
  return Number(raw);
}

/** A required non-zero whole number with an optional sign: `5`, `+5`, `-5`. */
export function signedWholeNumber(flags: Flags, name: string): number {
  const raw = flags[name];
  if (typeof raw !== 'string' || !/^[+-]?\d+$/.test(raw) || Number(raw) === 0) {
    throw new UsageError(`--${name} must be a non-zero whole number, e.g. 5 or -5.`);
  }
  if (Math.abs(Number(raw)) > MAX_AMOUNT) {
    throw new UsageError(`--${name} must be between -${MAX_AMOUNT} and ${MAX_AMOUNT}.`);
  }
  return Number(raw);
}
