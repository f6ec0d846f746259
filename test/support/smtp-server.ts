// A real SMTP server on loopback for e2e tests, with just enough MIME parsing (headers, multipart,
// base64 and quoted-printable, UTF-8 encoded words) to read what nodemailer sends. Not a general
// mail parser: it assumes UTF-8 and the structures nodemailer produces.
import type { AddressInfo } from 'node:net';

import { SMTPServer } from 'smtp-server';

import { Arrivals } from './arrivals';

export interface ReceivedMail {
  /** Envelope sender and recipients, as given to MAIL FROM / RCPT TO. */
  envelopeFrom: string;
  envelopeTo: string[];
  /** The user the client authenticated as, when it did. */
  authUser?: string;
  /** Header values (lower-case names, unfolded, encoded words decoded). */
  headers: Record<string, string>;
  subject: string;
  to: string;
  from: string;
  text?: string;
  html?: string;
  raw: string;
}

export interface TestSmtpServer {
  url: string;
  messages: ReceivedMail[];
  waitForMessage(
    predicate: (mail: ReceivedMail) => boolean,
    timeoutMs: number,
  ): Promise<ReceivedMail>;
  /**
   * Answers the next `count` messages with a temporary failure (451) after reading them, as a
   * server that falls over mid-delivery would: the sender sees an error, nothing is received.
   */
  refuseNext(count: number): void;
  stop(): Promise<void>;
}

/** Listens on 127.0.0.1 on a free port; accepts any login (also without one), no TLS. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const arrivals = new Arrivals<ReceivedMail>();
  const messages = arrivals.items;
  let refusals = 0;

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error: Error) => callback(error));
      stream.on('end', () => {
        if (refusals > 0) {
          refusals--;
          callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          return;
        }
        const { mailFrom, rcptTo } = session.envelope;
        arrivals.arrived({
          ...parseMessage(Buffer.concat(chunks).toString('utf8')),
          envelopeFrom: mailFrom ? mailFrom.address : '',
          envelopeTo: rcptTo.map((r) => r.address),
          authUser: session.user,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitForMessage: (predicate, timeoutMs) =>
      arrivals.waitFor(
        predicate,
        timeoutMs,
        () =>
          `no matching e-mail within ${timeoutMs} ms; received: ${JSON.stringify(
            messages.map((m) => ({ to: m.to, subject: m.subject })),
          )}`,
      ),
    refuseNext: (count) => {
      refusals = count;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type ParsedMail = Omit<ReceivedMail, 'envelopeFrom' | 'envelopeTo' | 'authUser'>;

export function parseMessage(raw: string): ParsedMail {
  const root = parsePart(raw);
  const leaves = flatten(root);
  return {
    headers: root.headers,
    subject: root.headers.subject ?? '',
    to: root.headers.to ?? '',
    from: root.headers.from ?? '',
    text: leaves.find((p) => p.type === 'text/plain')?.body,
    html: leaves.find((p) => p.type === 'text/html')?.body,
    raw,
  };
}

interface Part {
  headers: Record<string, string>;
  type: string;
  body: string;
  children: Part[];
}

function parsePart(raw: string): Part {
  const split = /\r?\n\r?\n/.exec(raw);
  const head = split ? raw.slice(0, split.index) : raw;
  const body = split ? raw.slice(split.index + split[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(
        line.slice(colon + 1).trim(),
      );
    }
  }
  const contentType = headers['content-type'] ?? 'text/plain';
  const type = contentType.split(';')[0].trim().toLowerCase();
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (type.startsWith('multipart/') && boundary) {
    const children = body
      .split(`--${boundary}`)
      .slice(1) // the preamble
      .filter((chunk) => !chunk.startsWith('--')) // the epilogue after the closing delimiter
      .map((chunk) => parsePart(chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, '')));
    return { headers, type, body: '', children };
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  return { headers, type, body: decodeBody(body, encoding).replace(/\r\n/g, '\n'), children: [] };
}

function flatten(part: Part): Part[] {
  return part.children.length ? part.children.flatMap(flatten) : [part];
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === 'base64') {
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  if (encoding === 'quoted-printable') {
    return decodeQuotedPrintable(body.replace(/=\r?\n/g, ''));
  }
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      // Encoded text is ASCII; anything else is kept as it is (whole code points).
      const char = String.fromCodePoint(text.codePointAt(i) ?? 0);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length - 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); adjacent words join without space. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g, (_match, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
