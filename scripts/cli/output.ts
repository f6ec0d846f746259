import type { Report } from './command';

/** What a finished command prints on stdout. */
export function renderReport(report: Report, json: boolean): string {
  return json
    ? `${JSON.stringify(report.data, null, 2)}\n`
    : report.text.map((l) => `${l}\n`).join('');
}

/**
 * What a failed command prints on stderr: the message, and the usage text when the operator got
 * the command line wrong. With --json, one JSON object, so a script can parse failures too.
 */
export function renderError(message: string | undefined, usage: string | undefined, json: boolean) {
  if (json) {
    return `${JSON.stringify({ error: message ?? 'No command given.', ...(usage ? { usage } : {}) })}\n`;
  }
  return [message, usage].filter((part) => part !== undefined).join('\n\n') + (usage ? '' : '\n');
}
