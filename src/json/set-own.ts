/**
 * `target[key] = value` for a key that comes from data. Assigning `__proto__` would set the
 * object's prototype (or do nothing); it is defined as an own property instead, so keys stay data.
 */
export function setOwn(target: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else (target as Record<string, unknown>)[key] = value;
}
