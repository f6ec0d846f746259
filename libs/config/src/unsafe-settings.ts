import { DEV_FAL_WEBHOOK_SECRET, type Environment } from './environment';
import { isInternalHost } from './internal-host';

const MIN_ADMIN_PASSWORD = 16;

/**
 * Combinations of settings the apps refuse to start with, each named with what to do instead.
 * Most are refused only with NODE_ENV=production (they are how tests and local runs work); a real
 * FAL_KEY without a pinned fal user id, or with a PUBLIC_API_URL fal.ai cannot reach, is refused
 * everywhere, since it talks to fal.ai itself.
 */
export function unsafeSettings(env: Environment): string[] {
  return [...everywhere(env), ...(env.NODE_ENV === 'production' ? productionProblems(env) : [])];
}

function everywhere(env: Environment): string[] {
  const problems: string[] = [];
  // fal signs every customer's webhooks with one key set: a valid signature only proves "from
  // fal", and the user id pin is what makes it "for us".
  if (env.FAL_KEY && !env.FAL_WEBHOOK_USER_ID) {
    problems.push(
      'FAL_WEBHOOK_USER_ID is empty although FAL_KEY is set: fal signs every customer’s webhooks ' +
        'with the same keys, so only the user id pin makes a signed delivery ours; set it to your ' +
        'fal user id (the X-Fal-Webhook-User-Id header of fal’s deliveries, or your fal dashboard)',
    );
  }
  // With fal.ai itself, a URL it cannot reach means no webhook ever arrives: every image would
  // wait for the reconciler's polling, minutes late, and nothing would say why. Production checks
  // it whatever the queue; elsewhere a FAL_QUEUE_URL on a local address (a test's fal-sim behind
  // a fake key) is not fal.ai, and that local queue is what calls back.
  const falAiCallsBack =
    env.FAL_KEY !== undefined &&
    (env.NODE_ENV === 'production' ||
      env.FAL_QUEUE_URL === undefined ||
      isPublicHttps(env.FAL_QUEUE_URL));
  const unreachable = falAiCallsBack ? publicApiUrlProblem(env.PUBLIC_API_URL) : undefined;
  if (unreachable) {
    problems.push(unreachable);
  }
  return problems;
}

/** Why fal.ai could not (or must not) call webhooks under PUBLIC_API_URL; undefined when it can. */
function publicApiUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined; // malformed: validation already names it
  }
  const reasons: string[] = [];
  if (url.protocol !== 'https:') {
    reasons.push('it is plain http, which would expose the token in each webhook URL on the way');
  }
  if (isInternalHost(url.hostname)) {
    reasons.push(
      `its host ${url.hostname} is loopback, private or a local-network name, which fal.ai ` +
        'cannot reach, so fal’s webhooks would never arrive',
    );
  }
  if (reasons.length === 0) {
    return undefined;
  }
  return (
    `PUBLIC_API_URL=${JSON.stringify(raw)}: FAL_KEY is set, so fal.ai delivers every result to ` +
    `a webhook under this URL, which must be a public https address; ${reasons.join(', and ')}. ` +
    'Set it to the api’s public https URL (to try fal.ai from a laptop, a tunnel’s https URL)'
  );
}

/** The rules for NODE_ENV=production, in the order an operator would fix them. */
export function productionProblems(env: Environment): string[] {
  const problems: string[] = [];
  if (env.FAL_WEBHOOK_VERIFY === false) {
    problems.push(
      'FAL_WEBHOOK_VERIFY=false: webhook signatures would not be checked, so anyone could ' +
        'complete or fail infographs; remove it (or set it to true) in production',
    );
  }
  if (env.SCRAPER_ALLOW_PRIVATE_HOSTS.trim() !== '') {
    problems.push(
      `SCRAPER_ALLOW_PRIVATE_HOSTS=${JSON.stringify(env.SCRAPER_ALLOW_PRIVATE_HOSTS)}: lets users’ ` +
        'blog URLs reach internal addresses; it exists for tests only, leave it empty in production',
    );
  }
  if (env.WEBHOOK_ALLOW_INSECURE_URLS === true) {
    problems.push(
      'WEBHOOK_ALLOW_INSECURE_URLS=true: customers’ webhook endpoints could be plain http or ' +
        'internal addresses; it exists for tests only, remove it in production',
    );
  }
  if (env.PUSH_ALLOW_INSECURE_ENDPOINTS === true) {
    problems.push(
      'PUSH_ALLOW_INSECURE_ENDPOINTS=true: push subscriptions could point at plain http or ' +
        'internal addresses; it exists for tests only, remove it in production',
    );
  }
  if (env.FAL_MEDIA_ALLOW_HTTP === true) {
    problems.push(
      'FAL_MEDIA_ALLOW_HTTP=true: generated images could be fetched over plain http, where ' +
        'anyone on the path can swap them; it exists for tests only, remove it in production',
    );
  }
  problems.push(...(env.FAL_KEY ? realFalProblems(env) : falSimProblems(env)));
  if (!env.METRICS_TOKEN) {
    problems.push(
      'METRICS_TOKEN is empty: /metrics would be public; set it to a random string of at least ' +
        '16 characters (Prometheus then sends Authorization: Bearer <token>)',
    );
  }
  if (String(env.FAL_WEBHOOK_SECRET).split(',').includes(DEV_FAL_WEBHOOK_SECRET)) {
    problems.push(
      'FAL_WEBHOOK_SECRET is the development default, which is public, so anyone could make ' +
        'webhook URLs; set it to a random string of at least 32 characters (openssl rand -hex 32)',
    );
  }
  if (env.ADMIN_PASSWORD !== undefined && env.ADMIN_PASSWORD.length < MIN_ADMIN_PASSWORD) {
    problems.push(
      `ADMIN_PASSWORD is ${env.ADMIN_PASSWORD.length} characters long: the queue dashboard needs ` +
        `at least ${MIN_ADMIN_PASSWORD} in production; use a longer one, or leave it empty to ` +
        'disable the dashboard',
    );
  }
  // The SDK sends the secret key with every call: only to Stripe itself, over https.
  if (env.STRIPE_API_URL !== undefined && !isPublicHttps(env.STRIPE_API_URL)) {
    problems.push(
      `STRIPE_API_URL=${JSON.stringify(env.STRIPE_API_URL)}: Stripe API calls (which carry ` +
        'STRIPE_SECRET_KEY) would go over plain http or to a local or private address such as a ' +
        'test stand-in; it exists for tests only, remove it in production',
    );
  }
  return problems;
}

function falSimProblems(env: Environment): string[] {
  if (env.UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION === true) {
    return [];
  }
  return [
    'FAL_KEY is empty: the apps would use fal-sim and trust webhooks signed by its keys; set ' +
      'FAL_KEY to your fal.ai key, or, for a staging stack with fal-sim only, set ' +
      'UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION=true',
  ];
}

/** With a real key: fal's keys and queue must be fal's (PUBLIC_API_URL is checked everywhere). */
function realFalProblems(env: Environment): string[] {
  const problems: string[] = [];
  if (env.FAL_JWKS_URL !== undefined && !isPublicHttps(env.FAL_JWKS_URL)) {
    problems.push(
      `FAL_JWKS_URL=${JSON.stringify(env.FAL_JWKS_URL)}: with a real FAL_KEY, webhook keys must ` +
        'come from fal.ai over https (whoever serves an http, local or private JWKS, fal-sim ' +
        'included, could sign webhooks); leave it empty for fal.ai’s own',
    );
  }
  if (env.FAL_QUEUE_URL !== undefined && !isPublicHttps(env.FAL_QUEUE_URL)) {
    problems.push(
      `FAL_QUEUE_URL=${JSON.stringify(env.FAL_QUEUE_URL)}: with a real FAL_KEY, queue calls ` +
        '(which carry the key) must go to fal.ai over https, not to http, local or private ' +
        'addresses such as fal-sim; leave it empty for fal.ai itself',
    );
  }
  return problems;
}

/** A malformed URL is already reported by validation, so it is not reported twice here. */
function isPublicHttps(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return true;
  }
  return url.protocol === 'https:' && !isInternalHost(url.hostname);
}
