// The chaos run's customer: one receiver on loopback for every user's webhook endpoint (the path
// names the user), verifying each delivery with the `standardwebhooks` package under that user's
// secret. It holds every request a while before answering, so a worker killed mid-run has
// deliveries in flight; which worker sent one is read from /proc (the sender's local port).
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook } from 'standardwebhooks';

export interface ReceivedDelivery {
  user: number;
  webhookId: string;
  /** The sender's local port: which process sent it. */
  senderPort: number;
  verified: boolean;
  type?: string;
  infographId?: string;
  /** Our 2xx reached the sender's socket; false when the sender went away first. */
  answered: boolean;
}

export class ChaosWebhookReceiver {
  readonly deliveries: ReceivedDelivery[] = [];
  readonly secrets = new Map<number, string>();
  private readonly open = new Set<ReceivedDelivery>();
  private server?: Server;

  constructor(private readonly holdMs: number) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const user = Number(/^\/hooks\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
        const delivery = this.record(user, req.headers, Buffer.concat(chunks).toString('utf8'));
        delivery.senderPort = req.socket.remotePort ?? 0;
        this.open.add(delivery);
        const timer = setTimeout(() => {
          res.writeHead(204).end(() => {
            delivery.answered = true;
            this.open.delete(delivery);
          });
        }, this.holdMs);
        res.on('close', () => {
          clearTimeout(timer);
          this.open.delete(delivery);
        });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Deliveries being held right now whose sender uses one of `ports`. */
  inFlightFrom(ports: Set<number>): ReceivedDelivery[] {
    return [...this.open].filter((d) => ports.has(d.senderPort));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  private record(user: number, headers: IncomingHttpHeaders, body: string): ReceivedDelivery {
    const delivery: ReceivedDelivery = {
      user,
      webhookId: String(headers['webhook-id']),
      senderPort: 0,
      verified: false,
      answered: false,
    };
    const secret = this.secrets.get(user);
    try {
      const payload = new Webhook(secret ?? 'whsec_').verify(
        body,
        headers as Record<string, string>,
      ) as { type: string; data: { id?: string } };
      delivery.verified = secret !== undefined;
      delivery.type = payload.type;
      delivery.infographId = payload.data?.id;
    } catch {
      // Recorded unverified: a delivery under another user's secret, or tampered.
    }
    this.deliveries.push(delivery);
    return delivery;
  }
}

/** The local ports of a process's TCP sockets (Linux: its fds' inodes, looked up in /proc/net). */
export async function tcpPortsOf(pid: number): Promise<Set<number>> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) {
      inodes.add(inode);
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && inodes.has(fields[9])) {
        ports.add(parseInt(fields[1].split(':')[1], 16));
      }
    }
  }
  return ports;
}

export interface WebhookChaosReport {
  endpoints: number;
  messages: number;
  delivered: number;
  /** Messages still pending or failed after the wait: lost, as far as the customer knows. */
  undelivered: number;
  /** Requests no endpoint secret verifies: a delivery under someone else's secret. */
  unverified: number;
  /** Deliveries of the killed worker in flight when it died (never answered). */
  inFlightAtKill: number;
  /** Of those, the ones delivered again later under the same webhook-id (and answered). */
  redeliveredSameId: number;
  /** Terminal, not deleted infographs without their event at their owner's endpoint. */
  terminalWithoutEvent: number;
  /** Answered deliveries of one webhook-id beyond the first (at least once: tolerated, counted). */
  repeats: number;
}

export function judgeWebhooks(input: {
  receiver: ChaosWebhookReceiver;
  messages: { id: string; status: string }[];
  killedInFlight: ReceivedDelivery[];
  /** Terminal, not deleted infographs: who owns them and what the event must say. */
  terminal: { id: string; user: number; type: string }[];
}): { report: WebhookChaosReport; problems: string[] } {
  const { receiver, messages, killedInFlight, terminal } = input;
  const answered = receiver.deliveries.filter((d) => d.answered && d.verified);
  const answeredIds = new Set(answered.map((d) => d.webhookId));
  const seen = new Set(answered.map((d) => `${d.user}:${d.type}:${d.infographId}`));
  const report: WebhookChaosReport = {
    endpoints: receiver.secrets.size,
    messages: messages.length,
    delivered: messages.filter((m) => m.status === 'delivered').length,
    undelivered: messages.filter((m) => m.status !== 'delivered').length,
    unverified: receiver.deliveries.filter((d) => !d.verified).length,
    inFlightAtKill: killedInFlight.length,
    redeliveredSameId: killedInFlight.filter((k) => !k.answered && answeredIds.has(k.webhookId))
      .length,
    terminalWithoutEvent: terminal.filter((t) => !seen.has(`${t.user}:${t.type}:${t.id}`)).length,
    repeats: answered.length - answeredIds.size,
  };
  const problems: string[] = [];
  if (report.undelivered > 0) {
    problems.push(`${report.undelivered} customer webhook messages never delivered`);
  }
  if (report.unverified > 0) {
    problems.push(`${report.unverified} webhook requests the owner's secret does not verify`);
  }
  if (report.inFlightAtKill === 0) {
    problems.push('no customer webhook delivery was in flight on the killed worker');
  }
  if (report.redeliveredSameId !== report.inFlightAtKill) {
    problems.push(
      `${report.inFlightAtKill - report.redeliveredSameId} deliveries cut by the kill never came again under their webhook-id`,
    );
  }
  if (report.terminalWithoutEvent > 0) {
    problems.push(
      `${report.terminalWithoutEvent} finished infographs never reached their owner's endpoint`,
    );
  }
  return { report, problems };
}
