import { setFlagsFromString } from 'node:v8';

/**
 * JSONata's $match/$replace run JavaScript regular expressions, and a pathological pattern can
 * backtrack for hours inside one synchronous call, out of reach of any time check. V8 can switch
 * such a match to its linear-time engine after a bounded number of backtracks.
 */
export function enableLinearRegexFallback(): void {
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  setFlagsFromString('--regexp-backtracks-before-fallback=100000');
}
