/**
 * How late a stubbed vendor answers in a timeout test. The client under test gives up after
 * 50 ms; an answer this late never races it, however long a loaded machine stalls the event loop
 * (with an answer due at 500 ms, a stall could deliver both at once).
 */
export const SLOWER_THAN_ANY_TIMEOUT_MS = 60_000;
