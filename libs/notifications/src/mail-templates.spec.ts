import {
  ACCOUNT_EXISTS_SUBJECT,
  FAILED_SUBJECT,
  PASSWORD_RESET_SUBJECT,
  READY_SUBJECT,
  VERIFY_EMAIL_SUBJECT,
  accountExistsMail,
  escapeHtml,
  infographFailedMail,
  infographReadyMail,
  passwordChangedMail,
  passwordResetMail,
  promptExcerpt,
  verifyEmailMail,
} from './mail-templates';

const ready = {
  infographId: 'ig-1',
  prompt: 'Coffee <b>facts</b> & "myths"',
  imageUrl: 'https://cdn.example.com/infographs/ig-1.png?a=1&b=2',
  statusUrl: 'https://api.example.com/api/infographs/status/ig-1/',
};

const failed = {
  infographId: 'ig-2',
  prompt: 'Tea',
  reason: 'Model refused: <script>alert(1)</script>',
  refundedCredits: 2,
};

describe('mail templates', () => {
  describe('ready', () => {
    const mail = infographReadyMail(ready);

    it('has the fixed subject', () => {
      expect(mail.subject).toBe(READY_SUBJECT);
      expect(mail.subject).toBe('Your infographic is ready');
    });

    it('gives the image and status links in the text body', () => {
      expect(mail.text).toContain(`Image: ${ready.imageUrl}`);
      expect(mail.text).toContain(`Status: ${ready.statusUrl}`);
      expect(mail.text).toContain(`Prompt: ${ready.prompt}`);
      expect(mail.text).toContain('ig-1');
    });

    it('links the image in the HTML body with the URL attribute-escaped', () => {
      expect(mail.html).toContain(
        '<a href="https://cdn.example.com/infographs/ig-1.png?a=1&amp;b=2">View your infographic</a>',
      );
      expect(mail.html).toContain(`<a href="${ready.statusUrl}">`);
    });

    it('escapes the prompt in HTML', () => {
      expect(mail.html).toContain('Coffee &lt;b&gt;facts&lt;/b&gt; &amp; &quot;myths&quot;');
      expect(mail.html).not.toContain('<b>facts</b>');
    });

    it('never turns a non-http URL into a link', () => {
      const evil = infographReadyMail({ ...ready, imageUrl: 'javascript:alert(1)' });
      expect(evil.html).not.toContain('href="javascript:');
      expect(evil.html).toContain('javascript:alert(1)');
    });
  });

  describe('failed', () => {
    const mail = infographFailedMail(failed);

    it('has the fixed subject', () => {
      expect(mail.subject).toBe(FAILED_SUBJECT);
    });

    it('states the reason and the refund in the text body', () => {
      expect(mail.text).toContain(`Reason: ${failed.reason}`);
      expect(mail.text).toContain('We refunded 2 credits to your balance.');
    });

    it('escapes the reason in HTML', () => {
      expect(mail.html).toContain('Model refused: &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).toContain('We refunded 2 credits to your balance.');
    });

    it('uses the singular for one credit and says so when nothing was charged', () => {
      expect(infographFailedMail({ ...failed, refundedCredits: 1 }).text).toContain(
        'We refunded 1 credit to your balance.',
      );
      expect(infographFailedMail({ ...failed, refundedCredits: 0 }).text).toContain(
        'No credits were charged',
      );
    });
  });

  it('ends infographic e-mails with the unsubscribe link, escaped, when given one', () => {
    const url = 'https://api.example.com/api/notifications/unsubscribe?token=u.email.s&x=1';
    for (const mail of [
      infographReadyMail({ ...ready, unsubscribeUrl: url }),
      infographFailedMail({ ...failed, unsubscribeUrl: url }),
    ]) {
      expect(mail.text).toContain(`Unsubscribe: ${url}`);
      expect(mail.html).toContain(`<a href="${escapeHtml(url)}">Unsubscribe</a>`);
    }
    expect(infographReadyMail(ready).text).not.toContain('Unsubscribe');
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('shortens long prompts and folds their lines', () => {
    expect(promptExcerpt('a\n\n b')).toBe('a b');
    const long = promptExcerpt('x'.repeat(4000));
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });

  describe('accounts', () => {
    const link = 'https://app.example.com/#verify-email=abc&x=<b>';

    it('gives the verification link, how long it works, and what to do if it was not you', () => {
      const mail = verifyEmailMail({ link, expiresInHours: 48 });
      expect(mail.subject).toBe(VERIFY_EMAIL_SUBJECT);
      expect(mail.text).toContain(link);
      expect(mail.text).toContain('The link works once, for 48 hours.');
      expect(mail.text).toContain('If this was not you, ignore this e-mail');
      expect(mail.html).toContain(
        '<a href="https://app.example.com/#verify-email=abc&amp;x=&lt;b&gt;">Confirm my e-mail address</a>',
      );
    });

    it('tells the owner of an existing account, with a reset link instead of a new account', () => {
      const mail = accountExistsMail({ resetLink: link, expiresInMinutes: 60 });
      expect(mail.subject).toBe(ACCOUNT_EXISTS_SUBJECT);
      expect(mail.text).toContain('already has an account');
      expect(mail.text).toContain(link);
      expect(mail.text).toContain('for 1 hour.');
    });

    it('gives the reset link and says that it signs every browser out', () => {
      const mail = passwordResetMail({ link, expiresInMinutes: 30 });
      expect(mail.subject).toBe(PASSWORD_RESET_SUBJECT);
      expect(mail.text).toContain(link);
      expect(mail.text).toContain('signed out');
      expect(mail.text).toContain('for 30 minutes.');
    });

    it('tells the owner when the password changed, and that API keys still work', () => {
      expect(passwordChangedMail().text).toContain('Your API keys still work.');
    });
  });
});
