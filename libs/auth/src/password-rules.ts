import { COMMON_PASSWORDS } from './common-passwords';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

/** Why a password is refused: a stable code for programs, a sentence for people. */
export interface PasswordProblem {
  code:
    | 'password_too_short'
    | 'password_too_long'
    | 'password_contains_email'
    | 'password_too_common'
    | 'password_too_simple';
  message: string;
}

/** Keyboard rows and the digits, forwards: a password that is a stretch of one is no secret. */
const SEQUENCES = ['qwertyuiopasdfghjklzxcvbnm', 'abcdefghijklmnopqrstuvwxyz', '0123456789'];

/**
 * The rules a new password must meet (sign-up, reset), in the spirit of NIST SP 800-63B: long
 * enough, no composition rules, and not something an attacker tries first. Length counts
 * characters as people see them (code points), not UTF-16 units. Returns the first problem, or
 * null when the password is acceptable.
 */
export function passwordProblem(password: string, email: string): PasswordProblem | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return {
      code: 'password_too_short',
      message: `password: must be at least ${PASSWORD_MIN_LENGTH} characters long.`,
    };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return {
      code: 'password_too_long',
      message: `password: must be at most ${PASSWORD_MAX_LENGTH} characters long.`,
    };
  }
  const lower = password.toLowerCase();
  const address = email.trim().toLowerCase();
  const localPart = address.split('@')[0] ?? '';
  if (
    (address !== '' && lower.includes(address)) ||
    (localPart.length >= 4 && lower.includes(localPart))
  ) {
    return {
      code: 'password_contains_email',
      message: 'password: must not contain your e-mail address or its name part.',
    };
  }
  // `Password2024!` is `password` with digits and symbols around it: still one of the first
  // guesses, so the word in the middle is looked up too.
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/gu, '');
  if (COMMON_PASSWORDS.has(lower) || (core !== '' && COMMON_PASSWORDS.has(core))) {
    return {
      code: 'password_too_common',
      message:
        'password: is one of the most common passwords (or one with a few digits or symbols added); choose another.',
    };
  }
  if (isSimplePattern(lower)) {
    return {
      code: 'password_too_simple',
      message:
        'password: is a simple pattern (one character repeated, a short group repeated, or a run such as abcdef or 123456); choose another.',
    };
  }
  return null;
}

function isSimplePattern(lower: string): boolean {
  const chars = [...lower];
  if (new Set(chars).size < 4) {
    return true; // `aaaaaaaaaa`, `ababababab`, `abcabcabca`
  }
  // A group of up to 4 characters repeated (`abcdabcdabcd`).
  for (let unit = 1; unit <= 4; unit++) {
    const group = chars.slice(0, unit).join('');
    if (group.repeat(Math.ceil(chars.length / unit)).startsWith(lower)) {
      return true;
    }
  }
  // A stretch of a keyboard row, the alphabet or the digits, forwards or backwards.
  return SEQUENCES.some((sequence) => {
    const twice = sequence + sequence;
    const reversed = [...twice].reverse().join('');
    return twice.includes(lower) || reversed.includes(lower);
  });
}
