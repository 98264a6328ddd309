import { JsonTextError } from './json-text-error.js';

/** The error code of text that is not UTF-8. */
export const JSON_INVALID_UTF8 = 'json.invalid_utf8';

/** Code `json.invalid_utf8`: the bytes of a file are not UTF-8 (often a file saved as Latin-1). */
export class InvalidUtf8Error extends JsonTextError {
  /** Offset, from 0, of the first byte of the first ill-formed sequence. */
  readonly byteOffset: number;

  constructor(file: string, byteOffset: number, at: { line: number; column: number }) {
    const problem = `byte ${byteOffset} is not valid UTF-8; save the file as UTF-8`;
    super(`${file}: byte ${byteOffset} (line ${at.line}, column ${at.column}) is not valid UTF-8; save the file as UTF-8`, {
      code: JSON_INVALID_UTF8,
      file,
      ...at,
      problem,
      details: { byteOffset },
    });
    this.byteOffset = byteOffset;
  }
}
