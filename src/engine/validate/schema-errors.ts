import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../compile-flow.js';
import { escapePointer } from '../expressions/template.js';
import { closest } from './did-you-mean.js';

/**
 * Turns ajv's errors into plain-words diagnostics: one per place, except that every missing
 * property is named. Errors carrying their schema (ajv's `verbose`) give the better messages:
 * format hints, the properties allowed, the kinds of a union.
 */
export function schemaDiagnostics(errors: ErrorObject[], root: unknown): Diagnostic[] {
  const superseded = supersededErrors(errors);
  const byPlace = new Map<string, Diagnostic>();
  errors.forEach((error, i) => {
    if (superseded.has(i)) return;
    const diagnostic = describeSchemaError(error, root);
    if (!diagnostic) return;
    const place = error.keyword === 'required' ? `${diagnostic.pointer} ${diagnostic.message}` : diagnostic.pointer;
    if (!byPlace.has(place)) byPlace.set(place, diagnostic);
  });
  return [...byPlace.values()];
}

/** Indexes of errors that another error already explains better. */
function supersededErrors(errors: ErrorObject[]): Set<number> {
  const superseded = new Set<number>();
  const discriminated = new Set(errors.filter((e) => e.keyword === 'discriminator').map((e) => e.instancePath));
  errors.forEach((error, i) => {
    // A step or trigger of an unknown or missing kind: only the kind is worth reporting.
    if (error.keyword !== 'discriminator' && (discriminated.has(error.instancePath) || discriminated.has(error.instancePath.replace(/\/kind$/, '')))) {
      superseded.add(i);
    }
    // The propertyNames error names the offending key; its inner error does not.
    if (error.schemaPath.includes('/propertyNames/')) superseded.add(i);
    // ajv reports a failed oneOf's branch errors just before the oneOf error itself.
    if (error.keyword === 'oneOf') {
      for (let j = i - 1; j >= 0 && isWithin(errors[j]!.instancePath, error.instancePath); j--) superseded.add(j);
    }
  });
  return superseded;
}

function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

function describeSchemaError(error: ErrorObject, root: unknown): Diagnostic | undefined {
  const pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const value = valueAt(root, pointer);
  const schema = (error.parentSchema ?? {}) as Record<string, unknown>;
  const hint = formatHint(schema);
  switch (error.keyword) {
    case 'required':
      return { pointer, message: `missing required property "${String(params.missingProperty)}"` };
    case 'additionalProperties':
      return unknownProperty(pointer, String(params.additionalProperty), value, schema);
    case 'propertyNames': {
      const name = String(params.propertyName);
      const names = (error.schema ?? {}) as Record<string, unknown>;
      const rule = formatHint(names) ?? (typeof names.pattern === 'string' ? `in the expected format (${names.pattern})` : 'allowed here');
      return { pointer: `${pointer}/${escapePointer(name)}`, message: `name ${JSON.stringify(name)} is not ${rule}` };
    }
    case 'discriminator': {
      const kinds = ((schema.properties as { kind?: { enum?: string[] } } | undefined)?.kind?.enum ?? []).join(', ');
      if (params.error === 'mapping') {
        return { pointer: `${pointer}/kind`, message: `unknown kind ${JSON.stringify(params.tagValue)} (kinds: ${kinds})` };
      }
      if (isObject(value) && !('kind' in value)) return { pointer, message: `missing required property "kind" (kinds: ${kinds})` };
      return { pointer: `${pointer}/kind`, message: `expected a kind (${kinds}), got ${describeValue(valueAt(root, `${pointer}/kind`))}` };
    }
    case 'type':
      return { pointer, message: `expected ${typeNames(params.type)}, got ${describeValue(value)}` };
    case 'enum':
      return {
        pointer,
        message: `expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(value)}`,
      };
    case 'const':
      return { pointer, message: `expected ${JSON.stringify(params.allowedValue)}, got ${describeValue(value)}` };
    case 'pattern':
      return { pointer, message: `${describeValue(value)} is not ${hint ?? `in the expected format (${String(params.pattern)})`}` };
    case 'format':
      return { pointer, message: `${describeValue(value)} is not a valid ${String(params.format)}` };
    case 'oneOf': {
      const branches = (schema.oneOf as Record<string, unknown>[] | undefined) ?? [];
      const requiredOnly = branches.length > 0 && branches.every((b) => Object.keys(b).length === 1 && Array.isArray(b.required));
      if (requiredOnly) {
        const names = branches.flatMap((b) => b.required as string[]).map((n) => `"${n}"`);
        return Array.isArray(params.passingSchemas)
          ? { pointer, message: `has both ${names.join(' and ')}; keep only one` }
          : { pointer, message: `needs one of ${names.join(' or ')}` };
      }
      return { pointer, message: `${describeValue(value)} is not ${hint ?? 'valid here'}` };
    }
    case 'minItems':
      return { pointer, message: `needs at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` };
    case 'minProperties':
      return { pointer, message: `needs at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}` };
    case 'minLength':
      return { pointer, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters` };
    case 'maxLength':
      return { pointer, message: `must be at most ${String(params.limit)} characters` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { pointer, message: `must be ${COMPARISONS[String(params.comparison)] ?? String(params.comparison)} ${String(params.limit)}, got ${describeValue(value)}` };
    case 'uniqueItems':
      return {
        pointer: `${pointer}/${String(params.i)}`,
        message: `${describeValue(valueAt(root, `${pointer}/${String(params.i)}`))} is already listed (item ${String(params.j)})`,
      };
    default:
      return { pointer, message: error.message ?? 'is invalid' };
  }
}

const COMPARISONS: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'more than', '<': 'less than' };

function unknownProperty(pointer: string, name: string, value: unknown, schema: Record<string, unknown>): Diagnostic {
  const allowed = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
  const suggestion = closest(name, allowed);
  let detail = '';
  if (suggestion) {
    detail = ` (did you mean "${suggestion}"?)`;
  } else if (allowed.length > 0) {
    const kind = isObject(value) && typeof value.kind === 'string' ? value.kind : undefined;
    const owner = kind === undefined ? 'allowed here' : `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} ${/\/triggers\/\d+$/.test(pointer) ? 'trigger' : 'step'} may have`;
    detail = ` (${owner}: ${allowed.join(', ')})`;
  }
  return { pointer: `${pointer}/${escapePointer(name)}`, message: `unknown property "${name}"${detail}` };
}

function formatHint(schema: Record<string, unknown>): string | undefined {
  return typeof schema['x-format-hint'] === 'string' ? schema['x-format-hint'] : undefined;
}

function typeNames(type: unknown): string {
  const names: Record<string, string> = { object: 'an object', array: 'an array', integer: 'an integer', string: 'a string', number: 'a number', boolean: 'a boolean', null: 'null' };
  const all = String(type).split(',').map((t) => names[t] ?? t);
  return all.length === 1 ? all[0]! : `${all.slice(0, -1).join(', ')} or ${all.at(-1)!}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} (${String(value)})`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const segment of pointer.split('/').slice(1)) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  }
  return value;
}
