import type { Scope } from './expressions/scope.js';

/** Where a block executes: what its expressions see, and the path prefix of its steps. */
export interface Frame {
  scope: Scope;
  /** '' at top level; `loop[3].` inside iteration 3 of for step `loop`. */
  prefix: string;
}
