/**
 * `work` to run on the next turn of the event loop, once however often it is asked for before
 * then: after the answers of this turn are written, one dispatcher pass or runtime look serves
 * every delivery that came in with them.
 */
export function oncePerTurn(work: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      work();
    });
  };
}
