import { loadConfigOrExit, startupWarnings } from '@app/config';
import { Logger } from '@nestjs/common';

import { createApiApp } from './create-api-app';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApiApp(config);
  startupWarnings(config).forEach((warning) => new Logger('Config').warn(warning));
  await app.listen(config.api.port, config.api.host);
  new Logger('Api').log(`api listening on http://${config.api.host}:${config.api.port}`);
}

bootstrap().catch((error: unknown) => {
  new Logger('Api').error(
    `api failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
