import { ConfigModule } from '@app/config';
import { FAILED_SUBJECT, Mailer, NotificationsModule, READY_SUBJECT } from '@app/notifications';
import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';

import { ReceivedMail, TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { testConfig } from '../support/test-app';

const FROM = 'ainfographic <no-reply@test.local>';

async function mailerModule(smtpUrl: string | undefined): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(testConfig()),
      NotificationsModule.forRoot({ mailer: { smtpUrl, from: FROM } }),
    ],
  }).compile();
  return moduleRef.init();
}

describe('Mailer', () => {
  let smtp: TestSmtpServer;
  let moduleRef: TestingModule;
  let mailer: Mailer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    moduleRef = await mailerModule(smtp.url);
    mailer = moduleRef.get(Mailer);
  });
  afterAll(async () => {
    await moduleRef.close();
    await smtp.stop();
  });

  const to = (name: string): string => `${name}-${Date.now()}@test.local`;
  const forRecipient =
    (address: string) =>
    (mail: ReceivedMail): boolean =>
      mail.envelopeTo.includes(address);

  it('sends the ready e-mail over SMTP with the image link', async () => {
    const recipient = to('ready');
    const imageUrl = 'http://127.0.0.1:3000/files/infographs/ig-1.png';
    await mailer.sendInfographReady(recipient, {
      infographId: 'ig-1',
      prompt: 'Bees <b>& honey</b> – ünïcode',
      imageUrl,
      statusUrl: 'http://127.0.0.1:3000/api/infographs/status/ig-1/',
    });

    const mail = await smtp.waitForMessage(forRecipient(recipient), 5000);
    expect(mail.to).toBe(recipient);
    expect(mail.from).toBe(FROM);
    expect(mail.envelopeFrom).toBe('no-reply@test.local');
    expect(mail.subject).toBe(READY_SUBJECT);
    expect(mail.text).toContain(`Image: ${imageUrl}`);
    expect(mail.text).toContain('Bees <b>& honey</b> – ünïcode');
    expect(mail.html).toContain(`<a href="${imageUrl}">`);
    expect(mail.html).toContain('Bees &lt;b&gt;&amp; honey&lt;/b&gt; – ünïcode');
  });

  it('sends the failed e-mail with the reason and the refund', async () => {
    const recipient = to('failed');
    await mailer.sendInfographFailed(recipient, {
      infographId: 'ig-2',
      prompt: 'Tea',
      reason: 'The model flagged the result as unsafe <nsfw>',
      refundedCredits: 2,
    });

    const mail = await smtp.waitForMessage(forRecipient(recipient), 5000);
    expect(mail.to).toBe(recipient);
    expect(mail.subject).toBe(FAILED_SUBJECT);
    expect(mail.text).toContain('Reason: The model flagged the result as unsafe <nsfw>');
    expect(mail.text).toContain('We refunded 2 credits to your balance.');
    expect(mail.html).toContain('unsafe &lt;nsfw&gt;');
  });

  it('logs in with the credentials in the SMTP URL', async () => {
    const withAuth = await mailerModule(smtp.url.replace('smtp://', 'smtp://mailer:s3cret@'));
    try {
      const recipient = to('auth');
      await withAuth.get(Mailer).sendInfographFailed(recipient, {
        infographId: 'ig-3',
        prompt: 'p',
        reason: 'r',
        refundedCredits: 1,
      });
      const mail = await smtp.waitForMessage(forRecipient(recipient), 5000);
      expect(mail.authUser).toBe('mailer');
    } finally {
      await withAuth.close();
    }
  });

  it('throws when the SMTP server cannot be reached, so the notify job retries', async () => {
    const down = await mailerModule('smtp://127.0.0.1:1');
    try {
      await expect(
        down.get(Mailer).sendInfographReady(to('down'), {
          infographId: 'ig-4',
          prompt: 'p',
          imageUrl: 'http://127.0.0.1/x.png',
          statusUrl: 'http://127.0.0.1/s',
        }),
      ).rejects.toThrow(/ECONNREFUSED|connect/i);
    } finally {
      await down.close();
    }
  });

  it('without an SMTP URL writes the e-mail to the log and sends nothing', async () => {
    const logged: string[] = [];
    const spy = jest
      .spyOn(Logger.prototype, 'log')
      .mockImplementation((message: unknown) => void logged.push(String(message)));
    const logOnly = await mailerModule(undefined);
    try {
      const before = smtp.messages.length;
      const recipient = to('log');
      const logMailer = logOnly.get(Mailer);
      expect(logMailer.transport).toBe('log');
      await logMailer.sendInfographReady(recipient, {
        infographId: 'ig-5',
        prompt: 'Logged prompt',
        imageUrl: 'http://127.0.0.1:3000/files/ig-5.png',
        statusUrl: 'http://127.0.0.1:3000/api/infographs/status/ig-5/',
      });

      const line = logged.find((m) => m.includes(recipient));
      expect(line).toContain(`subject="${READY_SUBJECT}"`);
      expect(line).toContain('Image: http://127.0.0.1:3000/files/ig-5.png');
      // The barrier is the awaited send: over SMTP it resolves only once the server has accepted
      // the message, and the test server records a message before it accepts it.
      expect(smtp.messages).toHaveLength(before);
      // No barrier exists for a send left un-awaited, so a bounded wait covers that too; generous,
      // since on a busy machine such a stray message could take a while to arrive.
      await expect(smtp.waitForMessage(forRecipient(recipient), 2_000)).rejects.toThrow(
        /no matching e-mail/,
      );
      expect(smtp.messages).toHaveLength(before);
    } finally {
      spy.mockRestore();
      await logOnly.close();
    }
  });
});
