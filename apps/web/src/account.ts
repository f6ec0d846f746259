import { ApiClient, ApiError, messageOf } from './api';
import { byId, el } from './dom';
import type { ApiKey, NotificationSettings } from './types';

export interface AccountDialogOptions {
  api: () => ApiClient;
  /** The account is gone (deleted here): the page signs out. */
  deleted: () => void;
}

/**
 * "Your account": the API keys (list, create one and show it once, revoke) and deleting the
 * account. A modal <dialog>: the browser keeps the focus inside it, Esc closes it, and the focus
 * goes back to the button that opened it.
 */
export class AccountDialog {
  private readonly dialog = byId<HTMLDialogElement>('account-dialog');
  private readonly list = byId('key-list');
  private readonly keyError = byId('key-error');

  constructor(private readonly options: AccountDialogOptions) {
    closeButtons(this.dialog);
    this.dialog.addEventListener('close', () => this.forgetSecrets());
    byId<HTMLFormElement>('key-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.create();
    });
    byId('key-copy').addEventListener('click', () => void this.copy());
    for (const channel of ['email', 'push'] as const) {
      byId<HTMLInputElement>(`notify-${channel}`).addEventListener(
        'change',
        (event) => void this.setNotification(channel, (event.target as HTMLInputElement).checked),
      );
    }
    byId<HTMLFormElement>('delete-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.delete();
    });
  }

  open(email: string): void {
    byId('account-email').textContent = email;
    this.dialog.showModal();
    void this.load();
    void this.loadNotifications();
  }

  /** E-mail and push on or off; the section stays hidden on a server without the setting. */
  private async loadNotifications(): Promise<void> {
    const section = byId('notify-section');
    try {
      this.showNotifications(await this.options.api().notificationSettings());
      section.hidden = false;
    } catch {
      section.hidden = true;
    }
  }

  private async setNotification(channel: 'email' | 'push', on: boolean): Promise<void> {
    const status = byId('notify-status');
    try {
      this.showNotifications(
        await this.options.api().updateNotificationSettings({ [channel]: on }),
      );
      const name = channel === 'email' ? 'E-mails' : 'Push notifications';
      status.textContent = `${name} ${on ? 'on' : 'off'}.`;
    } catch (error) {
      byId<HTMLInputElement>(`notify-${channel}`).checked = !on;
      status.textContent = `Could not save: ${messageOf(error)}`;
    }
  }

  private showNotifications(settings: NotificationSettings): void {
    byId<HTMLInputElement>('notify-email').checked = settings.email;
    byId<HTMLInputElement>('notify-push').checked = settings.push;
  }

  close(): void {
    if (this.dialog.open) {
      this.dialog.close();
    }
  }

  private async load(): Promise<void> {
    this.list.setAttribute('aria-busy', 'true');
    try {
      const { api_keys } = await this.options.api().apiKeys();
      this.render(api_keys);
    } catch (error) {
      this.keyError.textContent = `Could not load your keys: ${messageOf(error)}`;
    } finally {
      this.list.removeAttribute('aria-busy');
    }
  }

  private render(keys: ApiKey[]): void {
    this.list.replaceChildren(...keys.map((key) => this.row(key)));
    byId('key-empty').hidden = keys.length > 0;
  }

  private row(key: ApiKey): HTMLElement {
    const item = el('li', 'key');
    item.dataset.id = key.id;
    const about = el('div', 'key-about');
    about.append(
      el('strong', 'key-name', key.name),
      el(
        'span',
        'muted small',
        `${key.prefix}… · created ${day(key.created_at)} · ${
          key.last_used_at ? `last used ${day(key.last_used_at)}` : 'never used'
        }`,
      ),
    );
    const revoke = el('button', 'button ghost small', 'Revoke');
    revoke.type = 'button';
    revoke.setAttribute('aria-label', `Revoke ${key.name}`);
    revoke.addEventListener('click', () => this.confirmRevoke(item, key, revoke));
    item.append(about, revoke);
    return item;
  }

  /** A second, explicit click: a revoked key stops every script that uses it, at once. */
  private confirmRevoke(item: HTMLElement, key: ApiKey, revoke: HTMLButtonElement): void {
    const confirm = el('div', 'key-confirm');
    confirm.setAttribute('role', 'group');
    confirm.setAttribute('aria-label', `Revoke ${key.name}?`);
    const yes = el('button', 'button danger small', 'Revoke key');
    yes.type = 'button';
    const no = el('button', 'button ghost small', 'Keep');
    no.type = 'button';
    confirm.append(el('span', 'small', 'Scripts using it stop working.'), yes, no);
    revoke.replaceWith(confirm);
    yes.focus();
    no.addEventListener('click', () => {
      confirm.replaceWith(revoke);
      revoke.focus();
    });
    yes.addEventListener('click', () => {
      yes.disabled = true;
      this.options
        .api()
        .revokeApiKey(key.id)
        .then(
          () => {
            item.remove();
            byId('key-empty').hidden = this.list.childElementCount > 0;
            byId('key-status').textContent = `${key.name} is revoked.`;
            byId('key-name').focus();
          },
          (error: unknown) => {
            yes.disabled = false;
            this.keyError.textContent = messageOf(error);
          },
        );
    });
  }

  private async create(): Promise<void> {
    const input = byId<HTMLInputElement>('key-name');
    const name = input.value.trim();
    this.keyError.textContent = '';
    input.removeAttribute('aria-invalid');
    if (!name) {
      input.setAttribute('aria-invalid', 'true');
      this.keyError.textContent = 'Give the key a name, e.g. what will use it.';
      input.focus();
      return;
    }
    const api = this.options.api();
    try {
      const created = await api.createApiKey(name);
      input.value = '';
      const value = byId<HTMLInputElement>('key-value');
      value.value = created.token;
      byId('key-copied').textContent = '';
      byId('key-created').hidden = false;
      this.list.prepend(this.row(created));
      byId('key-empty').hidden = true;
      value.focus();
      value.select();
    } catch (error) {
      input.setAttribute('aria-invalid', 'true');
      this.keyError.textContent =
        error instanceof ApiError && error.code === 'session_required'
          ? 'Sign in with your password to create API keys (not with a token).'
          : messageOf(error).replace(/^name: /, 'The name ');
      input.focus();
    }
  }

  private async copy(): Promise<void> {
    const value = byId<HTMLInputElement>('key-value');
    const status = byId('key-copied');
    try {
      await navigator.clipboard.writeText(value.value);
      status.textContent = 'Copied to the clipboard.';
    } catch {
      // No clipboard access (an http page that is not localhost, a refused permission).
      value.focus();
      value.select();
      status.textContent = 'Selected: press Ctrl+C (or ⌘C) to copy it.';
    }
  }

  private async delete(): Promise<void> {
    const input = byId<HTMLInputElement>('delete-password');
    const error = byId('delete-error');
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    if (!input.value) {
      input.setAttribute('aria-invalid', 'true');
      error.textContent = 'Enter your current password to delete the account.';
      input.focus();
      return;
    }
    try {
      await this.options.api().deleteAccount(input.value);
      input.value = '';
      this.close();
      this.options.deleted();
    } catch (failure) {
      input.value = '';
      input.setAttribute('aria-invalid', 'true');
      error.textContent =
        failure instanceof ApiError && failure.code === 'password_incorrect'
          ? 'That is not your current password.'
          : messageOf(failure);
      input.focus();
    }
  }

  /** A new key is shown once: closing the dialog takes it off the page. */
  private forgetSecrets(): void {
    byId<HTMLInputElement>('key-value').value = '';
    byId('key-created').hidden = true;
    byId('key-copied').textContent = '';
    byId('key-status').textContent = '';
    byId('key-error').textContent = '';
    byId('delete-error').textContent = '';
    byId<HTMLInputElement>('delete-password').value = '';
  }
}

/** Wires a dialog's [data-close] buttons. */
export function closeButtons(dialog: HTMLDialogElement): void {
  for (const button of dialog.querySelectorAll('[data-close]')) {
    button.addEventListener('click', () => dialog.close());
  }
}

function day(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  });
}
