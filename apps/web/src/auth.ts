import { ApiError, messageOf, publicApi } from './api';
import { byId } from './dom';
import type { Session } from './types';

export type AuthView = 'signin' | 'signup' | 'forgot' | 'reset';

export interface AuthScreenOptions {
  /** A password sign-in succeeded: the cookie is set, this is the session. */
  signedIn: (session: Session) => Promise<void>;
  /** A developer pasted an API token; rejects when it is not accepted. */
  useToken: (token: string) => Promise<void>;
  /** Something the whole page should say (a link confirmed, a password changed). */
  announce: (message: string, tone: 'info' | 'success' | 'error') => void;
}

/**
 * The signed-out screen's forms: sign in, create an account, ask for and use a password-reset
 * link, and (for developers) connect with an API token. One view at a time; switching moves the
 * focus to the view's heading so keyboard and screen-reader users land where the change is.
 */
export class AuthScreen {
  /** The token of the reset link this page was opened with. */
  private resetToken: string | null = null;

  constructor(private readonly options: AuthScreenOptions) {
    for (const trigger of document.querySelectorAll<HTMLElement>('[data-view]')) {
      trigger.addEventListener('click', () => this.show(trigger.dataset.view as AuthView));
    }
    onSubmit('signin-form', (form) => this.signIn(form));
    onSubmit('signup-form', (form) => this.signUp(form));
    onSubmit('forgot-form', (form) => this.forgot(form));
    onSubmit('reset-form', (form) => this.reset(form));
    onSubmit('token-form', (form) => this.token(form));
    byId('signin-resend').addEventListener('click', () => void this.resend());
  }

  /** Shows one view; `focus` false leaves the focus alone (the first screen on page load). */
  show(view: AuthView, focus = true): void {
    for (const panel of document.querySelectorAll<HTMLElement>('[data-view-panel]')) {
      panel.hidden = panel.dataset.viewPanel !== view;
    }
    if (focus) {
      byId(`${view}-title`).focus();
    }
  }

  /** Opened from a reset link: the form that sets the new password. */
  startReset(token: string): void {
    this.resetToken = token;
    this.show('reset');
  }

  /**
   * Opened from a verification link: confirms the address, then (unless someone is signed in on
   * this page already) offers to sign in.
   */
  async verify(token: string): Promise<void> {
    const signedOut = !byId('landing').hidden;
    try {
      const { message } = await publicApi.verifyEmail(token);
      this.options.announce(message, 'success');
    } catch (error) {
      this.options.announce(
        signedOut
          ? `${messageOf(error)} Sign in to have a new link sent to you.`
          : messageOf(error),
        'error',
      );
    }
    if (signedOut) {
      this.show('signin');
    }
  }

  private async signIn(form: HTMLFormElement): Promise<void> {
    const { email, password } = fields(form, 'email', 'password');
    const error = byId('signin-error');
    const resend = byId('signin-resend');
    resend.hidden = true;
    if (!email || !password) {
      return fail(error, 'Enter your e-mail address and your password.', form);
    }
    let session: Session;
    try {
      session = await publicApi.login(email, password);
    } catch (failure) {
      const unverified = failure instanceof ApiError && failure.code === 'email_not_verified';
      resend.hidden = !unverified;
      byId<HTMLInputElement>('signin-password').value = '';
      return fail(
        error,
        unverified
          ? 'Confirm your e-mail address first, with the link we sent you.'
          : messageOf(failure),
        form,
        'signin-password',
      );
    }
    form.reset();
    await this.options.signedIn(session);
  }

  private async resend(): Promise<void> {
    const email = byId<HTMLInputElement>('signin-email').value.trim();
    const error = byId('signin-error');
    try {
      const { message } = await publicApi.resendVerification(email);
      error.textContent = '';
      byId('signin-resend').hidden = true;
      this.options.announce(message, 'info');
    } catch (failure) {
      error.textContent = messageOf(failure);
    }
  }

  private async signUp(form: HTMLFormElement): Promise<void> {
    const { email, password } = fields(form, 'email', 'password');
    const error = byId('signup-error');
    const fieldErrors = {
      email: byId('signup-email-error'),
      password: byId('signup-password-error'),
    };
    for (const target of Object.values(fieldErrors)) {
      target.textContent = '';
    }
    clearInvalid(form);
    try {
      const { message } = await publicApi.signUp(email, password);
      form.reset();
      this.options.announce(message, 'success');
      this.show('signin');
      byId<HTMLInputElement>('signin-email').value = email;
    } catch (failure) {
      // "email: …" and "password: …" go beside their fields; anything else above the button.
      const general: string[] = [];
      let first: HTMLElement | null = null;
      for (const line of failure instanceof ApiError ? failure.messages : [messageOf(failure)]) {
        const match = /^(email|password): (.*)$/.exec(line);
        if (!match) {
          general.push(line);
          continue;
        }
        const name = match[1] as 'email' | 'password';
        fieldErrors[name].textContent = capitalise(match[2]);
        const input = byId(`signup-${name}`);
        input.setAttribute('aria-invalid', 'true');
        first ??= input;
      }
      error.textContent = general.join(' ');
      first?.focus();
    }
  }

  private async forgot(form: HTMLFormElement): Promise<void> {
    const { email } = fields(form, 'email');
    const error = byId('forgot-error');
    if (!email) {
      return fail(error, 'Enter the e-mail address of your account.', form);
    }
    try {
      const { message } = await publicApi.requestPasswordReset(email);
      form.reset();
      this.options.announce(message, 'success');
      this.show('signin');
    } catch (failure) {
      fail(error, messageOf(failure), form);
    }
  }

  private async reset(form: HTMLFormElement): Promise<void> {
    const { password } = fields(form, 'password');
    const error = byId('reset-error');
    if (!this.resetToken) {
      return fail(error, 'Open the link from the e-mail again, or ask for a new one.', form);
    }
    try {
      const { message } = await publicApi.confirmPasswordReset(this.resetToken, password);
      this.resetToken = null;
      form.reset();
      this.options.announce(message, 'success');
      this.show('signin');
    } catch (failure) {
      fail(
        error,
        messageOf(failure).replace(/^password: /, 'The password '),
        form,
        'reset-password',
      );
    }
  }

  private async token(form: HTMLFormElement): Promise<void> {
    const input = byId<HTMLInputElement>('token-input');
    const error = byId('token-error');
    const token = input.value.trim();
    if (!token) {
      return fail(error, 'Paste your API token first.', form, 'token-input');
    }
    try {
      await this.options.useToken(token);
      input.value = '';
    } catch (failure) {
      fail(
        error,
        failure instanceof ApiError && failure.status === 401
          ? 'That token was not accepted. Check it and try again.'
          : messageOf(failure),
        form,
        'token-input',
      );
    }
  }
}

/** Submits through `handler`, once at a time, with the form marked busy meanwhile. */
function onSubmit(id: string, handler: (form: HTMLFormElement) => Promise<void>): void {
  const form = byId<HTMLFormElement>(id);
  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    form.setAttribute('aria-busy', 'true');
    const error = form.querySelector<HTMLElement>('.form-error, .field-error[role="alert"]');
    if (error) {
      error.textContent = '';
    }
    const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (submit) {
      submit.disabled = true;
    }
    handler(form)
      .catch((failure: unknown) => {
        if (error) {
          error.textContent = messageOf(failure);
        }
      })
      .finally(() => {
        busy = false;
        form.removeAttribute('aria-busy');
        if (submit) {
          submit.disabled = false;
        }
      });
  });
}

function fields<K extends string>(form: HTMLFormElement, ...names: K[]): Record<K, string> {
  const data = new FormData(form);
  const values = {} as Record<K, string>;
  for (const name of names) {
    const value = data.get(name);
    // Passwords are taken as typed; only addresses are trimmed.
    values[name] = typeof value === 'string' ? (name === 'email' ? value.trim() : value) : '';
  }
  return values;
}

/** Shows `message` as the form's error and puts the focus where the user can fix it. */
function fail(error: HTMLElement, message: string, form: HTMLFormElement, focusId?: string): void {
  error.textContent = message;
  const target = focusId
    ? byId(focusId)
    : form.querySelector<HTMLInputElement>('input:not([type="hidden"])');
  target?.focus();
}

function clearInvalid(form: HTMLFormElement): void {
  for (const invalid of form.querySelectorAll('[aria-invalid]')) {
    invalid.removeAttribute('aria-invalid');
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
