import { AppConfig } from '@app/config';
import { FalGateway, FalWebhookVerifier } from '@app/fal';

import { type Command, type Flags, UsageError, report } from './command';
import { FalSmokeModule } from './fal-smoke/fal-smoke.module';
import { FalTrafficRecorder } from './fal-smoke/fal-traffic-recorder';
import { formatSmokeReport } from './fal-smoke/format-smoke-report';
import { runFalSmoke } from './fal-smoke/run-fal-smoke';
import { buildSmokeReport } from './fal-smoke/smoke-report';
import { optionalString, wholeNumber } from './flags';

const DEFAULT_PROMPT =
  'A clean infographic titled "Three steps to a good cup of tea": boil, steep, pour';

/** fal retries a delivery 10 times over about 2 hours: refusing more would never end. */
const MAX_REFUSED = 5;

/** `8787`, `127.0.0.1:8787`, `0.0.0.0:8787` or `[::1]:8787`; default 127.0.0.1, any free port. */
export function listenAddress(flags: Flags): { host: string; port: number } {
  const raw = flags.listen;
  if (raw === undefined) {
    return { host: '127.0.0.1', port: 0 };
  }
  const match =
    typeof raw === 'string' ? /^(?:\[?([^\]]+?)\]?:)?(\d{1,5})$/.exec(raw.trim()) : null;
  if (!match || Number(match[2]) > 65535) {
    throw new UsageError(`--listen must be a port or host:port, e.g. 8787 or 0.0.0.0:8787.`);
  }
  return { host: match[1] ?? '127.0.0.1', port: Number(match[2]) };
}

export function webhookUrl(flags: Flags): string | undefined {
  const raw = flags['webhook-url'];
  if (raw === undefined) {
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = typeof raw === 'string' ? new URL(raw.trim()) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new UsageError(
      `--webhook-url must be an http(s) URL, e.g. https://abc.trycloudflare.com.`,
    );
  }
  return url.toString();
}

export const falSmoke: Command = {
  summary:
    'Make one image at fal end to end (fal bills it) and print what fal sent: the going-live checklist',
  usage:
    'fal:smoke [--webhook-url <url>] [--listen <[host:]port>] [--refuse-first <n>] [--timeout <s>] [--prompt <text>]',
  flags: {
    'webhook-url': { type: 'string' },
    listen: { type: 'string' },
    'refuse-first': { type: 'string' },
    timeout: { type: 'string' },
    prompt: { type: 'string' },
  },
  module: (config) => FalSmokeModule.forRoot(config),
  prepare(flags) {
    const listen = listenAddress(flags);
    const url = webhookUrl(flags);
    const refuseFirst = wholeNumber(flags, 'refuse-first', 0, 1);
    if (refuseFirst > MAX_REFUSED) {
      throw new UsageError(`--refuse-first must be at most ${MAX_REFUSED}.`);
    }
    const timeoutSeconds = wholeNumber(flags, 'timeout', 10, 600);
    const prompt = optionalString(flags, 'prompt', DEFAULT_PROMPT);
    return async (app) => {
      const config = app.get(AppConfig);
      if (!config.fal.simulated && url === undefined) {
        // fal.ai cannot reach a receiver on this machine: the operator has to expose it.
        throw new UsageError(
          'With a FAL_KEY, fal.ai must reach this command’s webhook receiver: expose --listen ' +
            '<port> to the internet (a tunnel such as `cloudflared tunnel --url ' +
            'http://127.0.0.1:<port>`, or your proxy) and pass that public URL as --webhook-url.',
        );
      }
      const observations = await runFalSmoke(
        {
          config,
          gateway: app.get(FalGateway),
          verifier: app.get(FalWebhookVerifier),
          recorder: app.get(FalTrafficRecorder),
        },
        { prompt, listen, webhookUrl: url, refuseFirst, timeoutSeconds },
      );
      const checklist = buildSmokeReport(observations);
      return report(checklist, formatSmokeReport, checklist.ok ? 0 : 1);
    };
  },
};
