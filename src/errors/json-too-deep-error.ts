import { JsonTextError } from './json-text-error.js';

/** The error code of JSON nested deeper than MAX_JSON_DEPTH (src/json/json-depth.ts). */
export const JSON_TOO_DEEP = 'json.too_deep';

/** Code `json.too_deep`: a JSON text nests arrays and objects deeper than the limit. */
export class JsonTooDeepError extends JsonTextError {
  readonly limit: number;

  constructor(file: string, at: { line: number; column: number }, limit: number, problem: string) {
    super(`${file}:${at.line}:${at.column}  ${problem}`, { code: JSON_TOO_DEEP, file, ...at, problem, details: { limit } });
    this.limit = limit;
  }
}
