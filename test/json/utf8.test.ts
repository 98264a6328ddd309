import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { InvalidUtf8Error } from '../../src/errors/invalid-utf8-error.js';
import { decodeUtf8, findInvalidUtf8Offset, locateByteOffset } from '../../src/json/utf8.js';

/** Bytes from a mix of text (as UTF-8) and raw byte values. */
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const latin1 = (text: string) => Buffer.from(text, 'latin1');

describe('findInvalidUtf8Offset', () => {
  it.each([
    { name: 'empty', input: bytes() },
    { name: 'ASCII', input: bytes('{"name": "Ada"}') },
    { name: 'two-byte letters', input: bytes('José Muñoz') },
    { name: 'three-byte CJK', input: bytes('{"名前": "山田太郎"}') },
    { name: 'four-byte emoji', input: bytes('🎉 welcome 👋') },
    { name: 'boundaries U+0080 U+07FF U+0800', input: bytes([0xc2, 0x80, 0xdf, 0xbf, 0xe0, 0xa0, 0x80]) },
    { name: 'around the surrogates: U+D7FF and U+E000', input: bytes([0xed, 0x9f, 0xbf, 0xee, 0x80, 0x80]) },
    { name: 'U+FFFF, U+10000 and U+10FFFF', input: bytes([0xef, 0xbf, 0xbf, 0xf0, 0x90, 0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf]) },
    { name: 'a byte order mark', input: bytes([0xef, 0xbb, 0xbf], '{}') },
  ])('accepts valid UTF-8: $name', ({ input }) => {
    expect(findInvalidUtf8Offset(input)).toBeUndefined();
  });

  it.each([
    { name: 'Latin-1 é after "Jos"', input: latin1('José Muñoz'), offset: 3 },
    { name: 'Latin-1 inside a JSON string', input: latin1('{"name": "Muñoz"}'), offset: 12 },
    { name: 'Windows-1252 curly quotes', input: bytes('say ', [0x93], 'hi', [0x94]), offset: 4 },
    { name: 'lone continuation byte at the start', input: bytes([0x80], 'abc'), offset: 0 },
    { name: 'lone continuation byte after ASCII', input: bytes('ab', [0xbf]), offset: 2 },
    { name: 'continuation byte after a complete two-byte letter', input: bytes('é', [0xa9]), offset: 2 },
    { name: 'overlong "/" in two bytes (C0 AF)', input: bytes('x', [0xc0, 0xaf]), offset: 1 },
    { name: 'overlong with C1', input: bytes([0xc1, 0xbf]), offset: 0 },
    { name: 'overlong in three bytes (E0 80 AF)', input: bytes([0xe0, 0x80, 0xaf]), offset: 0 },
    { name: 'overlong U+07FF in three bytes (E0 9F BF)', input: bytes('ok', [0xe0, 0x9f, 0xbf]), offset: 2 },
    { name: 'overlong in four bytes (F0 80 80 AF)', input: bytes([0xf0, 0x80, 0x80, 0xaf]), offset: 0 },
    { name: 'overlong U+FFFF in four bytes (F0 8F BF BF)', input: bytes([0xf0, 0x8f, 0xbf, 0xbf]), offset: 0 },
    { name: 'high surrogate U+D800 (ED A0 80)', input: bytes('a', [0xed, 0xa0, 0x80]), offset: 1 },
    { name: 'low surrogate U+DFFF (ED BF BF)', input: bytes([0xed, 0xbf, 0xbf]), offset: 0 },
    { name: 'a surrogate pair as CESU-8 (ED A0 BD ED B8 80)', input: bytes('日', [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]), offset: 3 },
    { name: 'past U+10FFFF (F4 90 80 80)', input: bytes([0xf4, 0x90, 0x80, 0x80]), offset: 0 },
    { name: 'lead byte F5', input: bytes([0xf5, 0x80, 0x80, 0x80]), offset: 0 },
    { name: 'byte FF', input: bytes('{}', [0xff]), offset: 2 },
    { name: 'truncated two-byte letter at the end', input: bytes('ab', [0xc3]), offset: 2 },
    { name: 'truncated three-byte letter at the end', input: bytes('ab', [0xe6, 0x97]), offset: 2 },
    { name: 'truncated four-byte emoji at the end', input: bytes('x', [0xf0, 0x9f, 0x98]), offset: 1 },
    { name: 'three-byte letter cut short by ASCII', input: bytes('日', [0xe6, 0x97], 'A'), offset: 3 },
    { name: 'UTF-16 LE with its byte order mark', input: bytes([0xff, 0xfe, 0x7b, 0x00]), offset: 0 },
    { name: 'Latin-1 after a UTF-8 byte order mark', input: bytes([0xef, 0xbb, 0xbf], 'Jos', [0xe9]), offset: 6 },
  ])('reports the exact offset of the first bad sequence: $name', ({ input, offset }) => {
    expect(findInvalidUtf8Offset(input)).toBe(offset);
  });

  it('agrees with Node on random bytes, and everything before the offset is valid', () => {
    // Bytes drawn mostly from the values where UTF-8 has edges, with a fixed seed.
    const edges = [0x00, 0x0a, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff];
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 20_000; n++) {
      const input = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 8) }, () => edges[Math.floor(random() * edges.length)]!));
      const offset = findInvalidUtf8Offset(input);
      if (isUtf8(input)) {
        expect(offset, input.toString('hex')).toBeUndefined();
      } else {
        expect(offset, input.toString('hex')).toBeDefined();
        expect(isUtf8(input.subarray(0, offset)), input.toString('hex')).toBe(true);
        expect(isUtf8(input.subarray(0, offset! + 4)), input.toString('hex')).toBe(false);
      }
    }
  });
});

describe('locateByteOffset', () => {
  it.each([
    { name: 'first line', input: latin1('José'), offset: 3, line: 1, column: 4 },
    { name: 'second line', input: latin1('{\n  "name": "José"\n}'), offset: 16, line: 2, column: 15 },
    { name: 'multi-byte letters before it count once each', input: bytes('{"名前": "Jos', [0xe9], '"}'), offset: 15, line: 1, column: 12 },
    { name: 'an emoji counts twice, as editors count UTF-16', input: bytes('🎉', [0xe9]), offset: 4, line: 1, column: 3 },
    { name: 'a byte order mark takes no column', input: bytes([0xef, 0xbb, 0xbf], 'Jos', [0xe9]), offset: 6, line: 1, column: 4 },
    { name: 'at the start of a line after CRLF', input: bytes('{}\r\n', [0xe9]), offset: 4, line: 2, column: 1 },
  ])('$name: line $line, column $column', ({ input, offset, line, column }) => {
    expect(findInvalidUtf8Offset(input)).toBe(offset);
    expect(locateByteOffset(input, offset)).toEqual({ line, column });
  });
});

describe('decodeUtf8', () => {
  it('returns the text of valid UTF-8 unchanged', () => {
    expect(decodeUtf8(bytes('{"name": "José Muñoz 山田 🎉"}'), 'input.json')).toBe('{"name": "José Muñoz 山田 🎉"}');
  });

  it('skips a byte order mark at the start, and only there', () => {
    expect(decodeUtf8(bytes([0xef, 0xbb, 0xbf], '{}'), 'input.json')).toBe('{}');
    expect(decodeUtf8(bytes('"a', [0xef, 0xbb, 0xbf], '"'), 'input.json')).toBe('"a\uFEFF"');
  });

  it('refuses Latin-1 naming the file, the byte offset and line:column, with code json.invalid_utf8', () => {
    const error = catchError(() => decodeUtf8(latin1('José Muñoz'), 'input.json'));
    expect(error).toBeInstanceOf(InvalidUtf8Error);
    expect(error).toMatchObject({
      message: 'input.json: byte 3 (line 1, column 4) is not valid UTF-8; save the file as UTF-8',
      code: 'json.invalid_utf8',
      category: 'validation',
      file: 'input.json',
      byteOffset: 3,
      line: 1,
      column: 4,
      problem: 'byte 3 is not valid UTF-8; save the file as UTF-8',
    });
  });

  it('never substitutes U+FFFD for a truncated sequence at the end', () => {
    expect(catchError(() => decodeUtf8(bytes('{"a": "', [0xe6, 0x97]), 'flow.json'))).toMatchObject({ byteOffset: 7, line: 1, column: 8 });
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected it to throw');
}
