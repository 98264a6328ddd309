import { StaffwireError } from './staffwire-error.js';

/**
 * A JSON text Staffwire was given cannot be read safely, at a place in it: not UTF-8
 * (InvalidUtf8Error) or nested too deep (JsonTooDeepError). The CLI turns it into a usage error
 * (`message`) or, for a flow file, a `file:line:col  pointer  message` problem (`problem`).
 */
export class JsonTextError extends StaffwireError {
  /** The file as named to the user (or "standard input"). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** What is wrong, without the file and position. */
  readonly problem: string;

  constructor(message: string, options: { code: string; file: string; line: number; column: number; problem: string; details?: Record<string, unknown> }) {
    super(message, { code: options.code, category: 'validation', details: { file: options.file, line: options.line, column: options.column, ...options.details } });
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.problem = options.problem;
  }
}
