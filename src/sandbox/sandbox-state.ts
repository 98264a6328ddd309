import type { SeededCompany } from './seed-company.js';

/** Counts that identify a seeded company at a glance. */
export function companySummary(company: SeededCompany) {
  return {
    name: company.name,
    workLocations: company.workLocations.length,
    departments: company.departments.length,
    employees: company.employees.length,
    offers: company.offers.length,
  };
}

/** JSON of a fake's state: Maps become objects (or entry lists when keyed by non-strings), Sets arrays, bigints strings. */
export function stateToJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Map) {
      const entries = [...item.entries()];
      return entries.every(([key]) => typeof key === 'string' || typeof key === 'number') ? Object.fromEntries(entries) : entries;
    }
    if (item instanceof Set) return [...item];
    if (typeof item === 'bigint') return item.toString();
    return item;
  });
}

/**
 * Puts a fake's state back to what its init returns, in place: a fake that kept a reference to
 * its state object sees the reset too.
 */
export function resetInPlace(state: object, fresh: object): void {
  if (state instanceof Map && fresh instanceof Map) {
    state.clear();
    for (const [key, value] of fresh) state.set(key, value);
    return;
  }
  if (state instanceof Set && fresh instanceof Set) {
    state.clear();
    for (const value of fresh) state.add(value);
    return;
  }
  if (Array.isArray(state) && Array.isArray(fresh)) {
    state.length = 0;
    for (const value of fresh as unknown[]) state.push(value);
    return;
  }
  for (const key of Reflect.ownKeys(state)) Reflect.deleteProperty(state, key);
  Object.setPrototypeOf(state, Object.getPrototypeOf(fresh) as object | null);
  Object.assign(state, fresh);
}
