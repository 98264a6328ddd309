import type { SandboxContext, SandboxModule, SandboxSeedSection } from './sandbox-context.js';
import { companySummary } from './sandbox-state.js';

/**
 * What the fakes hold for a developer to write flows and tests against — offers, employees,
 * departments, tables, datasources, accounts — one page at a time, so it stays usable at 100k
 * employees. `GET /_sandbox/seed` and `staffwire sandbox --print-seed` both list it from here.
 */

/** Items per section in the summary (no `section` asked for). */
export const SEED_SUMMARY_LIMIT = 5;
/** Items per page of one section. */
export const SEED_SECTION_LIMIT = 50;
export const SEED_MAX_LIMIT = 1000;

export interface SeedQuery {
  /** One section, paged; without it, a summary of every section. */
  section?: string;
  limit?: number;
  offset?: number;
  /** Keeps the items with a field containing this text (any case): a name, an id, a department id. */
  q?: string;
}

export interface SeedPage {
  /** The connector whose fake holds the items. */
  connector: string;
  title: string;
  note?: string;
  /** The fields that identify an item, as `--print-seed` shows them. */
  columns: string[];
  /** Items matching the query: all of them without `q`. */
  total: number;
  offset: number;
  items: Record<string, unknown>[];
  /** The request for the following page, when there is one. */
  next?: string;
}

export interface SeedSummary {
  company: ReturnType<typeof companySummary>;
  sections: Record<string, SeedPage>;
}

interface OwnedSection {
  connector: string;
  section: SandboxSeedSection;
}

/** Every fake's sections, by name; two fakes naming a section alike is a bug in one of them. */
export function seedSections(context: SandboxContext, modules: Map<string, SandboxModule>): Map<string, OwnedSection> {
  const sections = new Map<string, OwnedSection>();
  for (const [connector, module] of modules) {
    for (const section of module.seed?.(context) ?? []) {
      const taken = sections.get(section.name);
      if (taken) throw new Error(`seed section "${section.name}" is named by both ${taken.connector} and ${connector}`);
      sections.set(section.name, { connector, section });
    }
  }
  return sections;
}

/** The company's counts and the first items of every section. */
export function seedSummary(context: SandboxContext, modules: Map<string, SandboxModule>, query: Pick<SeedQuery, 'limit' | 'q'> = {}): SeedSummary {
  const sections: Record<string, SeedPage> = {};
  for (const [name, owned] of seedSections(context, modules)) {
    sections[name] = seedPage(owned, { ...query, limit: query.limit ?? SEED_SUMMARY_LIMIT, offset: 0 }, false);
  }
  return { company: companySummary(context.company), sections };
}

/** One page of one section, or undefined when no fake has a section of that name. */
export function seedSectionPage(context: SandboxContext, modules: Map<string, SandboxModule>, query: SeedQuery & { section: string }): (SeedPage & { section: string }) | undefined {
  const owned = seedSections(context, modules).get(query.section);
  if (!owned) return undefined;
  return { section: query.section, ...seedPage(owned, { ...query, limit: query.limit ?? SEED_SECTION_LIMIT, offset: query.offset ?? 0 }, true) };
}

function seedPage({ connector, section }: OwnedSection, query: SeedQuery & { limit: number; offset: number }, paged: boolean): SeedPage {
  const { limit, offset } = query;
  const needle = query.q?.toLowerCase();
  const items: Record<string, unknown>[] = [];
  let total: number;
  if (needle === undefined || needle === '') {
    total = section.size;
    for (let index = offset; index < Math.min(section.size, offset + limit); index++) items.push(section.item(index));
  } else {
    total = 0;
    for (let index = 0; index < section.size; index++) {
      const item = section.item(index);
      if (!mentions(item, needle)) continue;
      if (total >= offset && items.length < limit) items.push(item);
      total++;
    }
  }
  // The summary's next page is the section's own first page after what it showed.
  const nextOffset = offset + items.length;
  const params = new URLSearchParams({ section: section.name, offset: String(nextOffset) });
  if (paged) params.set('limit', String(limit));
  if (query.q) params.set('q', query.q);
  return {
    connector,
    title: section.title,
    ...(section.note === undefined ? {} : { note: section.note }),
    columns: section.columns,
    total,
    offset,
    items,
    ...(nextOffset < total && (items.length > 0 || !paged) ? { next: `/_sandbox/seed?${params.toString()}` } : {}),
  };
}

function mentions(value: unknown, needle: string): boolean {
  if (typeof value === 'string') return value.toLowerCase().includes(needle);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value).includes(needle);
  if (Array.isArray(value)) return value.some((item) => mentions(item, needle));
  if (typeof value === 'object' && value !== null) return Object.values(value).some((item) => mentions(item, needle));
  return false;
}

/** `GET /_sandbox/seed`'s query string as a query, or the words of the 400 that refuses it. */
export function parseSeedQuery(raw: { section?: string; limit?: string; offset?: string; q?: string }): SeedQuery | { error: string } {
  const query: SeedQuery = {};
  if (raw.section !== undefined) query.section = raw.section;
  if (raw.q !== undefined) query.q = raw.q;
  for (const [name, max] of [['limit', SEED_MAX_LIMIT], ['offset', Number.MAX_SAFE_INTEGER]] as const) {
    const text = raw[name];
    if (text === undefined) continue;
    if (!/^\d+$/.test(text) || Number(text) > max) return { error: `${name} must be a whole number from 0 to ${max}, got ${JSON.stringify(text)}` };
    query[name] = Number(text);
  }
  if (query.offset !== undefined && query.section === undefined) return { error: 'offset pages one section: give section too, e.g. ?section=employees&offset=50' };
  return query;
}
