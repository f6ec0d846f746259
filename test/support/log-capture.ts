import type { DestinationStream } from 'pino';

export interface LogLine {
  level: number;
  name?: string;
  msg?: string;
  context?: string;
  [key: string]: unknown;
}

export interface LogCapture {
  /** Give it to `createRootLogger` (through startTestApi / startFlow) as the log destination. */
  stream: DestinationStream;
  /** Every JSON line written so far, parsed. */
  lines(): LogLine[];
}

/** An in-memory pino destination: the lines a process would have written to stdout. */
export function captureLogs(): LogCapture {
  const raw: string[] = [];
  return {
    stream: { write: (chunk: string) => void raw.push(chunk) },
    lines: () =>
      raw
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
  };
}
