import { setFlagsFromString } from 'node:v8';
import { createContext, Script } from 'node:vm';

/**
 * JSONata's $match/$replace/$split/$contains run JavaScript regular expressions, and a
 * pathological pattern can backtrack for hours inside one synchronous call, out of reach of any
 * time check. This lets V8 compile patterns for its linear-time engine (the `l` flag used by
 * `boundedRegexEngine`) and, for regular expressions elsewhere in the process (schema patterns),
 * switch a match to that engine after a bounded number of backtracks.
 */
export function enableLinearRegexFallback(): void {
  setFlagsFromString('--enable-experimental-regexp-engine');
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  setFlagsFromString('--regexp-backtracks-before-fallback=100000');
}

/** One match outlived its budget and was interrupted. */
export class RegexTimeoutError extends Error {
  constructor(readonly pattern: string) {
    super(`regular expression /${pattern}/ was interrupted`);
    this.name = 'RegexTimeoutError';
  }
}

/** Whether V8's linear-time engine accepts a pattern, by the pattern object JSONata parsed. */
const linearCapable = new WeakMap<RegExp, boolean>();
const sandbox = createContext({ pattern: null, text: '' });
const execInSandbox = new Script('pattern.exec(text)');

/**
 * A JSONata `RegexEngine` whose matches end in bounded time. Patterns the linear-time engine
 * accepts run there. The others (case-insensitive, backreferences, lookaround, which that engine
 * cannot run) match under a vm watchdog that interrupts the match after `timeoutMs`. Without
 * `enableLinearRegexFallback` every pattern takes the watchdog road: slower, equally bounded.
 */
export function boundedRegexEngine(timeoutMs: number): RegExpConstructor {
  return class BoundedRegExp {
    private readonly regex: RegExp;
    private readonly linear: boolean;

    constructor(parsed: RegExp) {
      let linear = linearCapable.get(parsed);
      let regex: RegExp | undefined;
      if (linear !== false) {
        try {
          regex = new RegExp(parsed.source, `${parsed.flags}l`);
          linear = true;
        } catch {
          linear = false;
        }
        linearCapable.set(parsed, linear);
      }
      this.regex = regex ?? new RegExp(parsed.source, parsed.flags);
      this.linear = linear;
    }

    // JSONata drives global matching through lastIndex and exec, nothing else.
    get lastIndex(): number {
      return this.regex.lastIndex;
    }

    set lastIndex(value: number) {
      this.regex.lastIndex = value;
    }

    exec(text: string): RegExpExecArray | null {
      return this.linear ? this.regex.exec(text) : execWithin(this.regex, text, timeoutMs);
    }
  } as unknown as RegExpConstructor;
}

function execWithin(pattern: RegExp, text: string, timeoutMs: number): RegExpExecArray | null {
  sandbox.pattern = pattern;
  sandbox.text = text;
  try {
    return execInSandbox.runInContext(sandbox, { timeout: timeoutMs }) as RegExpExecArray | null;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new RegexTimeoutError(pattern.source);
    throw err;
  } finally {
    sandbox.pattern = null;
    sandbox.text = '';
  }
}
