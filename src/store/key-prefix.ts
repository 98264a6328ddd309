/**
 * The least string above every string that starts with `prefix`, or undefined when there is none,
 * in code point (UTF-8 byte) order: the prefix with its last code point raised by one, after
 * dropping trailing U+10FFFF, which cannot be raised. An index range scan then finds exactly the
 * keys under the prefix, whatever characters follow it.
 */
export function prefixEnd(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (char) => char.codePointAt(0) ?? 0);
  for (let last = codePoints.pop(); last !== undefined; last = codePoints.pop()) {
    if (last === MAX_CODE_POINT) continue;
    // Surrogate code points are not characters: the one after U+D7FF is U+E000.
    return String.fromCodePoint(...codePoints, last === 0xd7ff ? 0xe000 : last + 1);
  }
  return undefined;
}

const MAX_CODE_POINT = 0x10ffff;
