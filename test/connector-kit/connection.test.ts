import { describe, expect, it } from 'vitest';
import { resolveConnection, type ConnectionConfig } from '../../src/connector-kit/connection.js';

// Parsed from JSON, as staffwire.config.json is: an object literal would set the prototype instead.
const config = (json: string) => JSON.parse(json) as ConnectionConfig;

describe('resolveConnection', () => {
  it('replaces { "env": NAME } references with the variable, at any depth', () => {
    const written = config('{"connector": "http", "auth": {"token": {"env": "HR_TOKEN"}}, "scopes": ["a", {"env": "HR_SCOPE"}]}');

    const resolved = resolveConnection('hr', written, { HR_TOKEN: 't0k3n', HR_SCOPE: 'b' });

    expect(resolved).toEqual({ name: 'hr', connector: 'http', settings: { auth: { token: 't0k3n' }, scopes: ['a', 'b'] } });
  });

  it.each([
    { name: 'a value', settings: '{"__proto__": "x"}', expected: 'x' },
    { name: 'an object', settings: '{"__proto__": {"polluted": true}}', expected: { polluted: true } },
    { name: 'a secret reference', settings: '{"__proto__": {"env": "HR_TOKEN"}}', expected: 't0k3n' },
    { name: 'an object holding a secret reference', settings: '{"__proto__": {"polluted": {"env": "HR_TOKEN"}}}', expected: { polluted: 't0k3n' } },
  ])('keeps a setting named __proto__ holding $name as an own key, never as the prototype', ({ settings, expected }) => {
    const { settings: resolved } = resolveConnection('hr', config(`{"connector": "http", "nested": ${settings}, ${settings.slice(1)}`), { HR_TOKEN: 't0k3n' });

    for (const object of [resolved, resolved.nested as Record<string, unknown>]) {
      expect(Object.getOwnPropertyDescriptor(object, '__proto__')).toMatchObject({ value: expected, enumerable: true });
      expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
      expect((object as { polluted?: unknown }).polluted).toBeUndefined();
    }
    const own = `{"__proto__": ${JSON.stringify(expected)}}`;
    expect(JSON.parse(JSON.stringify(resolved))).toEqual(JSON.parse(`{"nested": ${own}, ${own.slice(1)}`));
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
