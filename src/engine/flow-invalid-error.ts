import type { Diagnostic } from './compile-flow.js';

/** A flow failed static checks; `diagnostics` lists every problem with its JSON pointer. */
export class FlowInvalidError extends Error {
  constructor(
    readonly source: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(`flow ${source} is invalid:\n${diagnostics.map((d) => `  ${d.pointer || '/'}  ${d.message}`).join('\n')}`);
    this.name = 'FlowInvalidError';
  }
}
