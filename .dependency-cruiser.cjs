// The architecture's dependency rules, checked in CI (`npm run lint:deps`). Layers:
//   apps/*            the processes; import libs, never each other (fal-sim imports nothing of ours)
//   domain libs       auth, credits, infographs: the business rules; no adapters, no queues
//   application libs  pipeline: what follows each outcome (domain + queues), used by api and worker;
//                     payments: buying credits with Stripe (credits + its own SDK client)
//                     customer-webhooks: customers' endpoints and signed deliveries (foundation,
//                     queues, and the scraper's public-address rules)
//                     notify: push subscriptions, notification preferences, unsubscribe links and
//                     per-channel sent markers (foundation, mail wording, customer-webhooks' POST)
//   adapters          fal, storage, scraper, notifications: the outside world; only config,
//                     observability and redis
//   foundation        config, database, observability, redis, queues
const DOMAIN = '^libs/(auth|credits|infographs)/';
const ADAPTERS = '^libs/(fal|storage|scraper|notifications)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'apps-not-to-other-apps',
      comment: 'An app is a process; code two apps need belongs in a lib.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'libs-not-to-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'fal-sim-standalone',
      comment:
        'fal-sim is written from fal’s protocol on its own, so a mistake we share with it cannot hide.',
      severity: 'error',
      from: { path: '^apps/fal-sim/' },
      to: { path: '^(libs|apps/(?!fal-sim/))' },
    },
    {
      name: 'domain-not-to-adapters-or-queues',
      comment:
        'The business rules know nothing of fal, storage, blogs, notifications or job queues.',
      severity: 'error',
      from: { path: DOMAIN },
      to: {
        path: `${ADAPTERS.slice(0, -1)}|^libs/(queues|pipeline|redis|payments|customer-webhooks)/`,
      },
    },
    {
      name: 'payments-only-to-credits-and-foundation',
      comment:
        'Buying credits needs the ledger, settings, the database and metrics; nothing of infographs, fal or queues.',
      severity: 'error',
      from: { path: '^libs/payments/' },
      to: { path: '^libs/', pathNot: '^libs/(config|database|observability|credits|payments)/' },
    },
    {
      name: 'customer-webhooks-only-to-foundation-queues-and-address-rules',
      comment:
        'Outbound webhooks need settings, the database, the queues and the scraper’s public-address rules; nothing of infographs, credits or fal.',
      severity: 'error',
      from: { path: '^libs/customer-webhooks/' },
      to: {
        path: '^libs/',
        pathNot: '^libs/(config|database|observability|queues|scraper|customer-webhooks)/',
      },
    },
    {
      name: 'notify-only-to-foundation-mail-and-safe-post',
      comment:
        'Push subscriptions, preferences and sent markers need settings, the database, the mail wording and the public-address POST of customer-webhooks; nothing of infographs, credits or fal.',
      severity: 'error',
      from: { path: '^libs/notify/' },
      to: {
        path: '^libs/',
        pathNot:
          '^libs/(config|database|observability|scraper|notifications|customer-webhooks|notify)/',
      },
    },
    {
      name: 'adapters-only-to-foundation',
      comment:
        'An adapter talks to one outside service; it needs settings, metrics and Redis at most.',
      severity: 'error',
      from: { path: '^libs/(fal|storage|scraper|notifications)/' },
      to: { path: '^libs/', pathNot: '^libs/(config|observability|redis|$1)/' },
    },
    {
      name: 'foundation-not-upwards',
      comment: 'config, database, observability and redis sit below everything else.',
      severity: 'error',
      from: { path: '^libs/(config|database|observability|redis)/' },
      to: { path: '^libs/', pathNot: '^libs/(config|database|observability|redis)/' },
    },
    {
      name: 'libs-through-their-index',
      comment: 'Another lib is imported as @app/<name> (its index.ts), never by a path inside it.',
      severity: 'error',
      from: { path: '^(apps|libs|scripts)/([^/]+)/' },
      to: { path: '^libs/([^/]+)/src/.+', pathNot: ['^libs/([^/]+)/src/index\\.ts$', '^libs/$2/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
