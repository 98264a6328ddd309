import { discoverConnectors } from '../../connector-kit/registry.js';
import { UsageError } from '../../errors/index.js';
import { deref, isSchemaObject as isObject, type Located, type Schema } from '../../schema-refs.js';

export async function connectorsListCommand(options: { json?: boolean }): Promise<number> {
  const manifests = (await discoverConnectors()).list();
  if (options.json) console.log(JSON.stringify(manifests.map(({ id, category, title }) => ({ id, category, title })), null, 2));
  else for (const m of manifests) console.log(`${m.id.padEnd(16)} ${m.category.padEnd(12)} ${m.title}`);
  return 0;
}

/**
 * A connector as its manifest describes it: connection settings, then every action with its
 * input and output fields at every depth, every event with its payload fields, the rate limits.
 */
export async function connectorsShowCommand(id: string, options: { json?: boolean }): Promise<number> {
  const registry = await discoverConnectors();
  const manifest = registry.get(id)?.manifest;
  if (!manifest) throw new UsageError(`unknown connector "${id}" (known: ${registry.list().map((m) => m.id).join(', ')})`);
  if (options.json) {
    console.log(JSON.stringify(manifest, null, 2));
    return 0;
  }
  console.log(`${manifest.id} — ${manifest.title} (${manifest.category})`);
  if (manifest.description) console.log(manifest.description);
  console.log(`\nconnection ${manifest.connection.required ? '(required)' : '(optional)'}:`);
  const props = (registry.connectionSchema(id)?.properties ?? {}) as Record<string, { description?: string }>;
  for (const [name, p] of Object.entries(props)) if (name !== 'connector') console.log(`  ${name.padEnd(18)} ${p.description ?? ''}`);
  console.log('\nactions:');
  for (const [name, a] of Object.entries(manifest.actions)) {
    console.log(`\n  ${id}.${name}  ${a.title}${a.sideEffect ? '  [side effect]' : ''}`);
    if (a.description) console.log(`    ${a.description}`);
    for (const [part, schema] of [['input', a.input], ['output', a.output]] as const) {
      console.log(`    ${part}:`);
      for (const line of formatOutline(outlineSchema(schema))) console.log(`      ${line}`);
    }
  }
  const events = Object.entries(manifest.events ?? {});
  if (events.length > 0) {
    console.log('\nevents:');
    for (const [type, e] of events) {
      console.log(`\n  ${type}${e.description ? `  ${e.description}` : ''}`);
      console.log('    payload:');
      for (const line of formatOutline(outlineSchema(e.payload))) console.log(`      ${line}`);
    }
  }
  const limits = manifest.rateLimits ?? [];
  if (limits.length > 0) {
    console.log('\nrate limits:');
    for (const limit of limits) console.log(`  ${limit.scope}: ${limit.limit} per ${limit.perSeconds}s${limit.description ? `  ${limit.description}` : ''}`);
  }
  return 0;
}

/** One row of a schema outline: a field at a depth, or a note about the fields at that depth. */
export type OutlineRow =
  | { depth: number; name: string; type: string; required: boolean; description?: string }
  | { depth: number; note: string };

const MAX_DEPTH = 12;
/** Descriptions longer than this are shown by their first sentence, or not at all (`--json` has them whole). */
const SHORT_DESCRIPTION = 100;

/**
 * The fields of an action's input or output, or an event's payload, as rows: objects' fields one
 * level deeper, an array as `name[]` with its items' fields beneath, `$ref`s followed within the
 * schema and to shared schemas registered by their `$id`.
 */
export function outlineSchema(schema: Schema): OutlineRow[] {
  const top = deref({ schema, root: schema }, new Set());
  if ('unresolved' in top) return [{ depth: 0, note: top.unresolved }];
  if (!isObject(top.located.schema.properties)) return [{ depth: 0, note: describeType(top.located, top.seen) }];
  const rows: OutlineRow[] = [];
  fieldsOf(top.located, 0, top.seen, rows);
  return rows;
}

function fieldsOf(located: Located, depth: number, seen: Set<string>, rows: OutlineRow[]): void {
  const { schema } = located;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const alternatives = requiredAlternatives(schema);
  if (alternatives) rows.push({ depth, note: `requires one of: ${alternatives.join(' | ')}` });
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const [name, value] of Object.entries(properties)) {
    if (!isObject(value)) continue;
    fieldRow(name, { schema: value, root: located.root }, required.includes(name), depth, seen, rows);
  }
}

function fieldRow(name: string, given: Located, required: boolean, depth: number, seen: Set<string>, rows: OutlineRow[]): void {
  let resolved = deref(given, seen);
  const description = 'unresolved' in resolved ? undefined : shortDescription(resolved.located.schema.description);
  // An array is its items, named `name[]` (`name[][]` for arrays of arrays).
  let suffix = '';
  let arrayLimits = '';
  while (!('unresolved' in resolved) && resolved.located.schema.type === 'array' && isObject(resolved.located.schema.items)) {
    const { located } = resolved;
    suffix += '[]';
    arrayLimits ||= rangeText(located.schema.minItems, located.schema.maxItems, ' items');
    resolved = deref({ schema: located.schema.items as Schema, root: located.root }, resolved.seen);
  }
  const type = 'unresolved' in resolved ? resolved.unresolved : describeType(resolved.located, resolved.seen) + (arrayLimits ? ` (${arrayLimits})` : '');
  rows.push({ depth, name: `${name}${suffix}`, type, required, ...(description ? { description } : {}) });
  if (!('unresolved' in resolved) && depth + 1 < MAX_DEPTH && isObject(resolved.located.schema.properties)) fieldsOf(resolved.located, depth + 1, resolved.seen, rows);
}

/** A field's type in a few words: `string (date)`, `integer (1–100)`, `enum: a | b`, `object | null`. */
function describeType(located: Located, seen: Set<string>): string {
  const { schema } = located;
  if (Array.isArray(schema.enum)) return `enum: ${schema.enum.map(literal).join(' | ')}`;
  if ('const' in schema) return `const ${JSON.stringify(schema.const)}`;
  const union = (Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : []).filter(isObject);
  if (schema.type === undefined && union.length > 0 && union.some((s) => s.type !== undefined || s.$ref !== undefined || s.enum !== undefined)) {
    return union
      .map((alternative) => {
        const resolved = deref({ schema: alternative, root: located.root }, seen);
        return 'unresolved' in resolved ? resolved.unresolved : describeType(resolved.located, resolved.seen);
      })
      .join(' | ');
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  let type = types.length > 0 ? types.join(' | ') : isObject(schema.properties) ? 'object' : 'any';
  if (types.includes('object') && isObject(schema.additionalProperties) && !isObject(schema.properties)) {
    const values = deref({ schema: schema.additionalProperties, root: located.root }, seen);
    type = type.replace('object', `object of ${'unresolved' in values ? values.unresolved : describeType(values.located, values.seen)}`);
  }
  const details = [
    typeof schema.format === 'string' ? schema.format : '',
    rangeText(schema.minimum, schema.maximum, ''),
    typeof schema.maxLength === 'number' ? `≤ ${schema.maxLength} chars` : '',
  ].filter(Boolean);
  return details.length > 0 ? `${type} (${details.join(', ')})` : type;
}

/** `anyOf: [{required: [a]}, {required: [b]}]`: one of these fields must be given. */
function requiredAlternatives(schema: Schema): string[] | undefined {
  const alternatives = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (!alternatives?.every((a) => isObject(a) && Array.isArray(a.required) && Object.keys(a).length === 1)) return undefined;
  return alternatives.map((a) => ((a as { required: string[] }).required).join(' + '));
}

function rangeText(min: unknown, max: unknown, unit: string): string {
  const low = typeof min === 'number' ? min : undefined;
  const high = typeof max === 'number' ? max : undefined;
  if (low !== undefined && high !== undefined) return `${low}–${high}${unit}`;
  if (high !== undefined) return `≤ ${high}${unit}`;
  if (low !== undefined && (low > 1 || unit === '')) return `≥ ${low}${unit}`;
  return '';
}

function shortDescription(description: unknown): string | undefined {
  if (typeof description !== 'string' || description === '') return undefined;
  if (description.length <= SHORT_DESCRIPTION) return description;
  // A sentence ends where the next one starts with a capital: "e.g. person_info" goes on.
  const sentence = /^.*?[.!?](?=\s+[A-Z]|$)/s.exec(description)?.[0];
  return sentence !== undefined && sentence.length <= SHORT_DESCRIPTION ? sentence : undefined;
}

function literal(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Rows as aligned lines: the name indented by depth, then the type, `required`, the description. */
export function formatOutline(rows: OutlineRow[]): string[] {
  if (rows.length === 0) return ['(no fields)'];
  const fields = rows.filter((row): row is Extract<OutlineRow, { name: string }> => 'name' in row);
  const nameWidth = Math.min(40, Math.max(0, ...fields.map((row) => row.depth * 2 + row.name.length)));
  const typeWidth = Math.min(28, Math.max(0, ...fields.map((row) => row.type.length)));
  const anyRequired = fields.some((row) => row.required);
  return rows.map((row) => {
    const indent = '  '.repeat(row.depth);
    if ('note' in row) return `${indent}${row.note}`;
    const columns = [`${indent}${row.name}`.padEnd(nameWidth), row.type.padEnd(typeWidth)];
    // A type too long for its column has pushed the rest along: no blank `required` to align then.
    if (row.required) columns.push('required');
    else if (anyRequired && row.type.length <= typeWidth) columns.push('        ');
    if (row.description) columns.push(row.description);
    return columns.join('  ').trimEnd();
  });
}
