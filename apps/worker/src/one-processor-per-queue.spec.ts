import { assertOneProcessorPerQueue } from './one-processor-per-queue';

const QUEUES = ['submit', 'upload'] as const;

describe('assertOneProcessorPerQueue', () => {
  it('accepts exactly one processor per queue', () => {
    expect(() =>
      assertOneProcessorPerQueue(QUEUES, [
        { queue: 'submit', processor: 'SubmitProcessor' },
        { queue: 'upload', processor: 'UploadProcessor' },
      ]),
    ).not.toThrow();
  });

  it('names a queue with no processor', () => {
    expect(() =>
      assertOneProcessorPerQueue(QUEUES, [{ queue: 'submit', processor: 'SubmitProcessor' }]),
    ).toThrow('each queue needs exactly one processor: queue "upload" has no processor');
  });

  it('names a queue with two processors, and both classes', () => {
    expect(() =>
      assertOneProcessorPerQueue(QUEUES, [
        { queue: 'submit', processor: 'SubmitProcessor' },
        { queue: 'submit', processor: 'OtherProcessor' },
        { queue: 'upload', processor: 'UploadProcessor' },
      ]),
    ).toThrow('queue "submit" has 2 processors (SubmitProcessor, OtherProcessor)');
  });

  it('reports every problem at once', () => {
    expect(() =>
      assertOneProcessorPerQueue(QUEUES, [
        { queue: 'submit', processor: 'SubmitProcessor' },
        { queue: 'submit', processor: 'OtherProcessor' },
      ]),
    ).toThrow(
      'queue "submit" has 2 processors (SubmitProcessor, OtherProcessor); queue "upload" has no processor',
    );
  });
});
