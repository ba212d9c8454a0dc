/**
 * Reads the next item while the current one is being handled: the read of batch N+1 (a PostgreSQL
 * query and JSON parsing) overlaps the writes of batch N instead of waiting for them.
 */
export async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      yield result.value;
    }
  } finally {
    // An abandoned read may still fail (closed connection); nobody waits for it any more.
    next.catch(() => undefined);
    await iterator.return?.(undefined);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
