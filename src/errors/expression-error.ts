import { StaffwireError } from './staffwire-error.js';

/** A JSONata expression failed to parse or evaluate, or ran past its time or depth bound. */
export class ExpressionError extends StaffwireError {
  readonly expression: string;
  /** Character offset of the problem inside the expression, when JSONata reports one. */
  readonly position: number | undefined;

  constructor(message: string, expression: string, options: { code?: string; position?: number; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'expression', category: 'expression', cause: options.cause });
    this.expression = expression;
    this.position = options.position;
  }
}
