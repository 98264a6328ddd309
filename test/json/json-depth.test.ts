import { describe, expect, it } from 'vitest';
import { JsonTooDeepError } from '../../src/errors/json-too-deep-error.js';
import { InvalidUtf8Error } from '../../src/errors/invalid-utf8-error.js';
import { findTooDeepOffsetInText, findTooDeepPointerInValue, MAX_JSON_DEPTH, tooDeepMessage } from '../../src/json/json-depth.js';
import { decodeJsonText, locateTextOffset } from '../../src/json/json-text.js';

const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** `depth` arrays, each holding the next: `[[[]]]` is 3 deep. */
const nestedValue = (depth: number): unknown => {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
};

describe('MAX_JSON_DEPTH', () => {
  it('is the documented 1000 levels', () => {
    expect(MAX_JSON_DEPTH).toBe(1000);
    expect(tooDeepMessage()).toBe('nested deeper than 1000 levels (the limit for any JSON Staffwire reads)');
  });
});

describe('findTooDeepOffsetInText', () => {
  it.each([
    { name: 'a scalar', text: '"x"', limit: 0, offset: undefined },
    { name: 'an empty array at limit 1', text: '[]', limit: 1, offset: undefined },
    { name: 'one level over', text: '[[]]', limit: 1, offset: 1 },
    { name: 'objects and arrays alike', text: '{"a": {"b": [1]}}', limit: 2, offset: 12 },
    { name: 'siblings do not add up', text: '[[], [], {"a": 1}, []]', limit: 2, offset: undefined },
    { name: 'brackets inside strings', text: '["[[[[", "{{{{", {"k]]": "}"}]', limit: 2, offset: undefined },
    { name: 'an escaped quote does not end the string', text: '["\\"[[[[", 1]', limit: 1, offset: undefined },
    { name: 'an escaped backslash then the closing quote', text: '["\\\\", [[]]]', limit: 2, offset: 8 },
    { name: 'brackets in property names', text: '{"[[[": {"{{": []}}', limit: 3, offset: undefined },
    { name: 'stray closers never make the depth negative', text: ']]] [[', limit: 1, offset: 5 },
    { name: 'an unterminated string ends at the line break, as the parser ends it', text: '["abc\n[[', limit: 2, offset: 7 },
    { name: 'brackets inside comments (the parser skips comments too)', text: '/* [[[ */ // {{{\n[[]]', limit: 2, offset: undefined },
    { name: 'on a later line', text: '{\n  "a": [\n    [[]]\n  ]\n}', limit: 3, offset: 16 },
  ])('$name: limit $limit gives offset $offset', ({ text, limit, offset }) => {
    expect(findTooDeepOffsetInText(text, limit)).toBe(offset);
  });

  it('passes text exactly at the limit and stops at the bracket one over it', () => {
    expect(findTooDeepOffsetInText(arrays(MAX_JSON_DEPTH))).toBeUndefined();
    expect(findTooDeepOffsetInText(arrays(MAX_JSON_DEPTH + 1))).toBe(MAX_JSON_DEPTH);
    expect(findTooDeepOffsetInText(`{"a": ${arrays(MAX_JSON_DEPTH - 1)}}`)).toBeUndefined();
    expect(findTooDeepOffsetInText(`{"a": ${arrays(MAX_JSON_DEPTH)}}`)).toBe(6 + MAX_JSON_DEPTH - 1);
  });

  it('scans text 100,000 deep without a RangeError', () => {
    const text = arrays(100_000);
    expect(findTooDeepOffsetInText(text)).toBe(MAX_JSON_DEPTH);
    expect(findTooDeepOffsetInText(text, 100_000)).toBeUndefined();
    expect(findTooDeepOffsetInText('['.repeat(100_000))).toBe(MAX_JSON_DEPTH);
  });
});

describe('findTooDeepPointerInValue', () => {
  it.each([
    { name: 'a scalar', value: 42, limit: 0, pointer: undefined },
    { name: 'null', value: null, limit: 0, pointer: undefined },
    { name: 'the root itself at limit 0', value: {}, limit: 0, pointer: '' },
    { name: 'exactly at the limit', value: { a: [{ b: [] }] }, limit: 4, pointer: undefined },
    { name: 'one over', value: { a: [{ b: [] }] }, limit: 3, pointer: '/a/0/b' },
    { name: 'scalars do not count as a level', value: [[1, 'x', null, true]], limit: 2, pointer: undefined },
    { name: 'the first too deep in document order', value: { a: [[]], b: [[[]]], c: [[[[]]]] }, limit: 3, pointer: '/b/0/0' },
    { name: 'array index after shallow siblings', value: [1, [], [[]], [[[]]]], limit: 3, pointer: '/3/0/0' },
    { name: '~ and / escaped as in any JSON pointer', value: { 'a/b': { '~': [[]] } }, limit: 3, pointer: '/a~1b/~0/0' },
    { name: 'a long property name cut for display', value: { ['k'.repeat(100)]: [] }, limit: 1, pointer: `/${'k'.repeat(39)}…` },
  ])('$name', ({ value, limit, pointer }) => {
    expect(findTooDeepPointerInValue(value, limit)).toBe(pointer);
  });

  it('passes a value exactly at the limit; one over gives a pointer with its middle elided', () => {
    expect(findTooDeepPointerInValue(nestedValue(MAX_JSON_DEPTH))).toBeUndefined();
    expect(findTooDeepPointerInValue(nestedValue(MAX_JSON_DEPTH + 1))).toBe('/0/0/0/0/…992 more…/0/0/0/0');
    expect(findTooDeepPointerInValue({ employees: [{ manager: nestedValue(MAX_JSON_DEPTH) }] })).toBe('/employees/0/manager/0/…992 more…/0/0/0/0');
  });

  it('walks a value 100,000 deep, and a cyclic one, without a RangeError', () => {
    const deep = nestedValue(100_000);
    expect(() => findTooDeepPointerInValue(deep, 200_000)).not.toThrow();
    expect(findTooDeepPointerInValue(deep, 200_000)).toBeUndefined();
    expect(findTooDeepPointerInValue(deep)).toBe('/0/0/0/0/…992 more…/0/0/0/0');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(findTooDeepPointerInValue(cyclic, 10)).toBe('/self/self/self/self/…2 more…/self/self/self/self');
  });
});

describe('decodeJsonText', () => {
  it('returns the text when it is UTF-8 and not too deep, without a byte order mark', () => {
    expect(decodeJsonText(Buffer.from(`\uFEFF${arrays(MAX_JSON_DEPTH)}`), 'input.json')).toBe(arrays(MAX_JSON_DEPTH));
  });

  it('refuses text one level too deep with code json.too_deep, naming file:line:col', () => {
    const error = catchError(() => decodeJsonText(Buffer.from(arrays(MAX_JSON_DEPTH + 1)), 'input.json'));
    expect(error).toBeInstanceOf(JsonTooDeepError);
    expect(error).toMatchObject({
      message: 'input.json:1:1001  nested deeper than 1000 levels (the limit for any JSON Staffwire reads)',
      code: 'json.too_deep',
      category: 'validation',
      line: 1,
      column: 1001,
      limit: 1000,
    });
  });

  it('places a too-deep bracket on its line, after a byte order mark', () => {
    const text = `\uFEFF{\n  "a":\n${'['.repeat(1000)}`;
    expect(catchError(() => decodeJsonText(Buffer.from(text), 'f.json'))).toMatchObject({ line: 3, column: 1000 });
    expect(locateTextOffset('ab\ncd\n', 4)).toEqual({ line: 2, column: 2 });
  });

  it('checks the encoding before the depth', () => {
    const bytes = Buffer.concat([Buffer.from(arrays(5000)), Buffer.from([0xe9])]);
    expect(catchError(() => decodeJsonText(bytes, 'input.json'))).toBeInstanceOf(InvalidUtf8Error);
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
