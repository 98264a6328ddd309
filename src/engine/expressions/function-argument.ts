/**
 * A Staffwire expression function ($zonedInstant, $allocate…) was called with an argument it
 * cannot use; the expression reports the message, naming the function, the argument and why.
 */
export class FunctionArgumentError extends Error {
  constructor(
    readonly fn: string,
    readonly argument: string,
    readonly position: number,
    problem: string,
  ) {
    super(`$${fn}: ${argument} (argument ${position}) ${problem}`);
    this.name = 'FunctionArgumentError';
  }
}

/** A value as an error message quotes it: JSON, cut short, "nothing" for undefined. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
