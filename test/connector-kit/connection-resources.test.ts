import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/connector-kit/connection.js';
import { ConnectionResources, settingsFingerprint } from '../../src/connector-kit/connection-resources.js';
import type { ResolvedConnection } from '../../src/connector-kit/connector.js';
import { InMemoryRateLimiter, type RateLimit, type RateLimiter } from '../../src/connector-kit/rate-limiter.js';

const lark = (settings: Record<string, unknown> = {}): ResolvedConnection => ({ name: 'lark', connector: 'lark-hire', settings: { appId: 'cli_1', appSecret: 's', ...settings } });

describe('ConnectionResources', () => {
  it('creates a resource once per connection and gives every later action the same one', () => {
    const resources = new ConnectionResources();
    let created = 0;
    const make = () => ({ serial: ++created });
    const first = resources.scopeFor(lark()).get('client', make);
    const second = resources.scopeFor(lark()).get('client', make);
    expect(second).toBe(first);
    expect(created).toBe(1);
  });

  it('keeps connections and kinds apart', () => {
    const resources = new ConnectionResources();
    const a = resources.scopeFor(lark());
    const b = resources.scopeFor({ ...lark(), name: 'lark-eu' });
    expect(a.get('client', () => 'a')).toBe('a');
    expect(b.get('client', () => 'b')).toBe('b');
    expect(a.get('queue', () => 'a-queue')).toBe('a-queue');
    expect([a.connectionName, b.connectionName]).toEqual(['lark', 'lark-eu']);
  });

  it('gives a connection whose settings changed a fresh scope, so nothing made from the old settings is reused', () => {
    const resources = new ConnectionResources();
    const before = resources.scopeFor(lark());
    const after = resources.scopeFor(lark({ appSecret: 'rotated' }));
    expect(after).not.toBe(before);
    expect(after.get('client', () => 'new')).toBe('new');
    expect(resources.scopeFor(lark({ appSecret: 'rotated' }))).toBe(after);
  });

  it('caches nothing when creating the resource throws, so the next action tries again', () => {
    const scope = new ConnectionResources().scopeFor(lark());
    expect(() =>
      scope.get('client', () => {
        throw new Error('secret missing');
      }),
    ).toThrow('secret missing');
    expect(scope.get('client', () => 'made')).toBe('made');
  });

  it('has one process-wide scope for actions called without a connection', () => {
    const resources = new ConnectionResources();
    expect(resources.scopeFor(undefined)).toBe(resources.scopeFor(undefined));
    expect(resources.scopeFor(undefined).connectionName).toBeUndefined();
  });

  it('shares one limiter per rate across connections and makes it through the runtime\'s factory', () => {
    const made: RateLimit[] = [];
    const resources = new ConnectionResources({
      createRateLimiter: (rate): RateLimiter => {
        made.push(rate);
        return new InMemoryRateLimiter(rate);
      },
    });
    const a = resources.scopeFor(lark()).rateLimiter({ limit: 5, perMs: 1000 });
    const b = resources.scopeFor({ ...lark(), name: 'other' }).rateLimiter({ limit: 5, perMs: 1000 });
    const c = resources.scopeFor(lark()).rateLimiter({ limit: 10, perMs: 1000 });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(made).toEqual([
      { limit: 5, perMs: 1000 },
      { limit: 10, perMs: 1000 },
    ]);
  });
});

describe('settingsFingerprint', () => {
  it('does not depend on key order and changes with any value, however deep', () => {
    expect(settingsFingerprint({ a: 1, b: { c: [1, 2] } })).toBe(settingsFingerprint({ b: { c: [1, 2] }, a: 1 }));
    expect(settingsFingerprint({ a: 1, b: { c: [1, 2] } })).not.toBe(settingsFingerprint({ a: 1, b: { c: [2, 1] } }));
    expect(settingsFingerprint({ a: '1' })).not.toBe(settingsFingerprint({ a: 1 }));
    expect(settingsFingerprint({ a: {} })).not.toBe(settingsFingerprint({ a: [] }));
  });

  it('holds no secret in the clear', () => {
    expect(settingsFingerprint({ appSecret: 'hunter2-very-secret' })).not.toContain('hunter2');
    expect(settingsFingerprint({ appSecret: 'hunter2-very-secret' })).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not read a secret whose variable is unset, so the action that needs it still fails with the variable\'s name', () => {
    const unset = resolveConnection('hr', { connector: 'http', auth: { type: 'bearer', token: { env: 'HR_TOKEN' } } }, {});
    const set = resolveConnection('hr', { connector: 'http', auth: { type: 'bearer', token: { env: 'HR_TOKEN' } } }, { HR_TOKEN: 't' });
    expect(() => settingsFingerprint(unset.settings)).not.toThrow();
    expect(settingsFingerprint(unset.settings)).not.toBe(settingsFingerprint(set.settings));
    expect(() => new ConnectionResources().scopeFor(unset).get('client', () => (unset.settings.auth as { token: string }).token)).toThrow(
      'connection "hr" needs environment variable HR_TOKEN (for /auth/token), which is not set',
    );
  });
});
