// A Web Push service on loopback for e2e tests: it hands out subscriptions (an endpoint URL and the
// browser side's keys, as PushSubscription.toJSON() gives them), and for every message POSTed to an
// endpoint it checks what a real push service checks (RFC 8292 VAPID: the ES256 JWT in
// `Authorization: vapid t=…, k=…`, signed by the expected key, for this origin, not expired) and
// decrypts the body as the browser would (RFC 8291 over RFC 8188 aes128gcm), written here from the
// RFCs with node:crypto alone, so a mistake shared with the `web-push` package cannot hide.
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  randomUUID,
  verify,
} from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Arrivals } from './arrivals';

export interface TestPushSubscription {
  id: string;
  /** What the page would POST to /api/push/subscriptions/. */
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

export interface ReceivedPush {
  subscriptionId: string;
  /** The decrypted payload, parsed as JSON. */
  payload: unknown;
  headers: Record<string, string>;
  /** The status it was answered with. */
  status: number;
}

export interface TestPushService {
  url: string;
  /** Messages that passed every check (whatever status they were then answered with). */
  received: ReceivedPush[];
  /** Messages refused for a protocol fault: a test expects none. */
  rejected: { subscriptionId: string; reason: string }[];
  subscribe(): TestPushSubscription;
  /** Answers this subscription's next `times` messages with `status` (e.g. 410, 500). */
  answer(subscriptionId: string, status: number, times?: number): void;
  waitFor(predicate: (push: ReceivedPush) => boolean, timeoutMs: number): Promise<ReceivedPush>;
  stop(): Promise<void>;
}

interface Browser {
  ecdh: ReturnType<typeof createECDH>;
  publicKey: Buffer;
  auth: Buffer;
  answers: number[];
}

/** `vapidPublicKey`: the VAPID_PUBLIC_KEY the api signs with; any other key is refused (403). */
export async function startPushService(vapidPublicKey: string): Promise<TestPushService> {
  const browsers = new Map<string, Browser>();
  const arrivals = new Arrivals<ReceivedPush>();
  const received = arrivals.items;
  const rejected: { subscriptionId: string; reason: string }[] = [];

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks), response));
  });

  function handle(request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    const id = /^\/push\/([\w-]+)$/.exec(request.url ?? '')?.[1] ?? '';
    const browser = browsers.get(id);
    const refuse = (status: number, reason: string): void => {
      rejected.push({ subscriptionId: id, reason });
      response.writeHead(status).end(reason);
    };
    if (request.method !== 'POST' || !browser) {
      return refuse(404, 'no such subscription');
    }
    const origin = `http://${request.headers.host}`;
    const vapidProblem = checkVapid(request.headers.authorization ?? '', vapidPublicKey, origin);
    if (vapidProblem) {
      return refuse(403, vapidProblem);
    }
    if (request.headers['content-encoding'] !== 'aes128gcm' || !request.headers.ttl) {
      return refuse(400, 'Content-Encoding aes128gcm and TTL are required');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(decrypt(body, browser).toString('utf8'));
    } catch (error) {
      return refuse(400, `cannot decrypt: ${(error as Error).message}`);
    }
    const status = browser.answers.shift() ?? 201;
    arrivals.arrived({
      subscriptionId: id,
      payload,
      status,
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
    });
    response.writeHead(status).end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    received,
    rejected,
    subscribe() {
      const ecdh = createECDH('prime256v1');
      const publicKey = ecdh.generateKeys();
      const auth = randomBytes(16);
      const id = randomUUID();
      browsers.set(id, { ecdh, publicKey, auth, answers: [] });
      return {
        id,
        json: {
          endpoint: `${url}/push/${id}`,
          expirationTime: null,
          keys: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') },
        },
      };
    },
    answer(subscriptionId, status, times = 1) {
      browsers.get(subscriptionId)?.answers.push(...Array<number>(times).fill(status));
    },
    waitFor: (predicate, timeoutMs) =>
      arrivals.waitFor(
        predicate,
        timeoutMs,
        () =>
          `no matching push within ${timeoutMs} ms; received ${received.length}, rejected ${JSON.stringify(rejected)}`,
      ),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** RFC 8292: what is wrong with the VAPID authorization; null when it is valid. */
function checkVapid(header: string, expectedKey: string, origin: string): string | null {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header.trim());
  if (!match) {
    return `Authorization is not "vapid t=<jwt>, k=<key>": ${header}`;
  }
  const [, jwt, key] = match;
  if (key !== expectedKey) {
    return 'k is not the expected VAPID public key';
  }
  const [head, claims, signature] = jwt.split('.');
  const header64 = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
  if (header64.alg !== 'ES256') {
    return `JWT alg is ${header64.alg}, not ES256`;
  }
  const raw = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const signed = verify(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) {
    return 'JWT signature does not verify with k';
  }
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString()) as {
    aud?: string;
    exp?: number;
    sub?: string;
  };
  const now = Date.now() / 1000;
  if (body.aud !== origin) {
    return `JWT aud ${body.aud} is not the endpoint's origin ${origin}`;
  }
  if (typeof body.exp !== 'number' || body.exp <= now || body.exp > now + 24 * 3600) {
    return `JWT exp ${body.exp} is not within the next 24 hours`;
  }
  if (!/^(mailto:|https:)/.test(body.sub ?? '')) {
    return `JWT sub ${body.sub} is not a mailto: or https: contact`;
  }
  return null;
}

/** RFC 8291 §3.4 key derivation, then the RFC 8188 aes128gcm record (one record). */
function decrypt(body: Buffer, browser: Browser): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  if (idLength !== 65 || record.length > recordSize) {
    throw new Error(
      `unexpected header (keyid ${idLength} bytes, record ${record.length}/${recordSize})`,
    );
  }
  const shared = browser.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), browser.publicKey, senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, browser.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: aes128gcm\0', 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: nonce\0', 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([
    decipher.update(record.subarray(0, record.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) {
    end--;
  }
  if (padded[end] !== 2) {
    throw new Error('no last-record delimiter');
  }
  return padded.subarray(0, end);
}
