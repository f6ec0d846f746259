// `npm run openapi:export [-- <file>]`: writes the api's OpenAPI document (what /docs-json serves)
// to openapi.json, or <file>, without running the api: no database, Redis or port is needed.
// `npm run openapi:client` then generates the TypeScript client types from it.
import { writeFileSync } from 'node:fs';

import { loadConfigOrExit } from '@app/config';

import { exportOpenApiDocument } from '../apps/api/src/ops/openapi-export';

async function main(file: string): Promise<void> {
  const document = await exportOpenApiDocument(loadConfigOrExit());
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(
    `${file}: ${Object.keys(document.paths).length} paths, servers ${document.servers?.map((s) => s.url).join(', ')}\n`,
  );
}

main(process.argv[2] ?? 'openapi.json').then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
