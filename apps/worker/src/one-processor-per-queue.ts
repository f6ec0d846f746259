/** A processor class and the queue it consumes. */
export interface ProcessorOfQueue {
  queue: string;
  processor: string;
}

/**
 * Throws unless every queue has exactly one processor. A queue with none fills up silently; one
 * with two runs each job through whichever worker grabs it first. Either is a wiring mistake, so
 * the worker refuses to start and names the queue.
 */
export function assertOneProcessorPerQueue(
  queues: readonly string[],
  processors: readonly ProcessorOfQueue[],
): void {
  const problems = queues.flatMap((queue) => {
    const names = processors.filter((p) => p.queue === queue).map((p) => p.processor);
    if (names.length === 0) {
      return [`queue "${queue}" has no processor`];
    }
    return names.length > 1
      ? [`queue "${queue}" has ${names.length} processors (${names.join(', ')})`]
      : [];
  });
  if (problems.length > 0) {
    throw new Error(`each queue needs exactly one processor: ${problems.join('; ')}`);
  }
}
