/**
 * `source`, until `signal` aborts: then the iteration throws the signal's reason at once, even
 * while `source` waits on a read that will never finish (exceljs's unzipper waits for the end of
 * a file stream that an abort has destroyed).
 */
export async function* untilAborted<T>(source: AsyncGenerator<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (signal === undefined) return yield* source;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  // Rejected only when raced; a read that ends first leaves it unobserved.
  aborted.catch(() => undefined);
  try {
    for (;;) {
      signal.throwIfAborted();
      const next = await Promise.race([source.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // After an abort the source may be stuck in a read; its own clean-up runs when that ends.
    const closing = source.return(undefined).catch(() => undefined);
    if (!signal.aborted) await closing;
  }
}
