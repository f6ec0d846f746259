import { loadConfig } from '@app/config';

import { exportOpenApiDocument } from '../../apps/api/src/ops/openapi-export';
import { contractTally } from './contract-tally';
import { ReceivedResponse, ResponseContract } from './openapi-contract';

/**
 * Every response the request helpers (test-app.ts) receive is checked against the api's OpenAPI
 * document, built from the sources like `npm run openapi:export` (so a stale dist/ or a spawned
 * api cannot hide a drift). A mismatch fails the request, and so the test. Opting out is explicit,
 * with a reason (`skipContractCheck`): for servers that are not the api, or raw requests.
 */
let contract: Promise<ResponseContract> | undefined;

/**
 * The api's routes that are not part of its API, so not in the document by design; their
 * answers are counted as skipped. Everything else must be in the document.
 */
const OUTSIDE_THE_API: [RegExp, string][] = [
  [/^\/metrics\/?$/, 'Prometheus scrapes (ApiExcludeController)'],
  [/^\/docs(-json)?(\/.*)?$/, 'the document itself and Swagger UI'],
  [/^\/admin\/queues(\/.*)?$/, "the operators' queue dashboard (bull-board)"],
  [/^\/([\w-]+\.[a-z0-9]+)?$/, 'the web page and its bundled files'],
];

export class ContractViolation extends Error {}

export async function checkAgainstContract(
  response: ReceivedResponse,
  skipBecause: string | undefined,
): Promise<void> {
  if (skipBecause !== undefined) {
    if (skipBecause.trim() === '') {
      throw new Error('skipContractCheck needs a reason');
    }
    contractTally.skipped++;
    return;
  }
  if (
    // CORS preflights are answered by the CORS layer for every route, not by an operation.
    response.method.toUpperCase() === 'OPTIONS' ||
    OUTSIDE_THE_API.some(([route]) => route.test(response.path.split(/[?#]/)[0]))
  ) {
    contractTally.outside++;
    return;
  }
  const problems = (await loadContract()).problems(response);
  contractTally.checked++;
  if (problems.length > 0) {
    throw new ContractViolation(
      `The response to ${response.method.toUpperCase()} ${response.path} does not match the OpenAPI document:\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        `\n  status ${response.status}, body: ${JSON.stringify(response.body)?.slice(0, 600)}\n` +
        'Fix the document (the DTOs and decorators) or the code; a deliberately raw request ' +
        "passes { skipContractCheck: '<why>' }.",
    );
  }
}

/** A message the WebSocket sent, against its schema in the document's `x-websocket`. */
export async function checkSocketMessage(message: unknown): Promise<void> {
  throwIfAny((await loadContract()).socketMessageProblems(message), message);
}

/** The body of a refused WebSocket upgrade (a plain HTTP answer), against the error schema. */
export async function checkUpgradeRefusal(body: unknown): Promise<void> {
  throwIfAny((await loadContract()).errorProblems(body, 'a refused upgrade'), body);
}

/**
 * The document, built once per test file. `startTestApi` awaits it before making its app: the
 * build silences Nest's loggers process-wide while it runs (see exportOpenApiDocument), which
 * must not happen while an app's log lines are being read.
 */
export function loadContract(): Promise<ResponseContract> {
  contract ??= exportOpenApiDocument(loadConfig({ ...process.env })).then(
    (document) => new ResponseContract(document),
  );
  return contract;
}

function throwIfAny(problems: string[], value: unknown): void {
  contractTally.checked++;
  if (problems.length > 0) {
    throw new ContractViolation(
      `Does not match the OpenAPI document:\n${problems.map((p) => `  - ${p}`).join('\n')}\n  ${JSON.stringify(value)?.slice(0, 600)}`,
    );
  }
}
