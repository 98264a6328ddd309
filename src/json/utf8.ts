import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { InvalidUtf8Error } from '../errors/invalid-utf8-error.js';

/** A place in a file: 1-based line, and column in characters as JsonLocator counts them (UTF-16 units). */
export interface TextLocation {
  line: number;
  column: number;
}

// Fatal: a bad sequence throws instead of becoming U+FFFD. ignoreBOM false: a leading BOM is dropped.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
// For counting columns in bytes already known to be valid; a U+FEFF mid-file is a character like any other.
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

const BOM = [0xef, 0xbb, 0xbf] as const;

/** True when the bytes start with the UTF-8 byte order mark EF BB BF. */
export function startsWithUtf8Bom(bytes: Uint8Array): boolean {
  return bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
}

/**
 * Byte offset (from 0) where the first ill-formed UTF-8 sequence starts, or undefined when all
 * of `bytes` is UTF-8. Ill-formed, as in Unicode's table 3-7 and WHATWG's decoder: a lone
 * continuation byte, C0, C1 and F5–FF, overlong forms, UTF-16 surrogates (ED A0–BF),
 * code points past U+10FFFF, and a sequence cut short by another byte or by the end.
 */
export function findInvalidUtf8Offset(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Bytes after the lead, and the range the first of them must fall in (the rest are 80–BF).
    let trail: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) trail = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      trail = 2;
      if (lead === 0xe0) low = 0xa0; // below: overlong
      if (lead === 0xed) high = 0x9f; // above: surrogates D800–DFFF
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      trail = 3;
      if (lead === 0xf0) low = 0x90; // below: overlong
      if (lead === 0xf4) high = 0x8f; // above: past U+10FFFF
    } else return i; // 80–BF alone, C0, C1, F5–FF
    if (i + trail >= n) return i;
    const first = bytes[i + 1]!;
    if (first < low || first > high) return i;
    for (let k = 2; k <= trail; k++) {
      const b = bytes[i + k]!;
      if (b < 0x80 || b > 0xbf) return i;
    }
    i += trail + 1;
  }
  return undefined;
}

/**
 * Line and column of a byte offset, counting columns in characters so they match an editor and
 * JsonLocator. A leading BOM takes no column. The bytes before `offset` must be valid UTF-8 (as
 * they are before the offset findInvalidUtf8Offset returns).
 */
export function locateByteOffset(bytes: Uint8Array, offset: number): TextLocation {
  let line = 1;
  let lineStart = startsWithUtf8Bom(bytes) && offset >= BOM.length ? BOM.length : 0;
  const end = Math.min(offset, bytes.length);
  for (let i = 0; i < end; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: lenientDecoder.decode(bytes.subarray(lineStart, end)).length + 1 };
}

/**
 * The text of a UTF-8 file, without its byte order mark if it has one. Anything else than UTF-8
 * (a file saved as Latin-1 or Windows-1252, UTF-16 with its BOM) throws InvalidUtf8Error naming `name`,
 * the byte offset and its line:column, instead of silently becoming U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (err) {
    const offset = findInvalidUtf8Offset(bytes);
    if (offset === undefined) throw err;
    throw new InvalidUtf8Error(name, offset, locateByteOffset(bytes, offset));
  }
}
