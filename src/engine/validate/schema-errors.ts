import type { ErrorObject } from 'ajv';
import { describeValue, type Diagnostic } from '../compile-flow.js';

/** Turns ajv's errors into one plain-words diagnostic per place. */
export function schemaDiagnostics(errors: ErrorObject[], root: unknown): Diagnostic[] {
  // A failed oneOf also reports every branch's failure; keep only the summary for that place.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.schemaPath));
  const discriminated = new Set(errors.filter((e) => e.keyword === 'discriminator').map((e) => e.instancePath));
  const byPointer = new Map<string, Diagnostic>();
  for (const error of errors) {
    if ([...oneOfPaths].some((p) => error.schemaPath !== p && error.schemaPath.startsWith(p.slice(0, -'oneOf'.length) + 'oneOf/'))) continue;
    if (discriminated.has(error.instancePath) && error.keyword !== 'discriminator') continue;
    if (discriminated.has(error.instancePath.replace(/\/kind$/, '')) && error.instancePath.endsWith('/kind')) continue;
    const diagnostic = describe(error, root);
    if (!diagnostic) continue;
    const existing = byPointer.get(diagnostic.pointer);
    if (!existing) byPointer.set(diagnostic.pointer, diagnostic);
  }
  return [...byPointer.values()];
}

function describe(error: ErrorObject, root: unknown): Diagnostic | undefined {
  const pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const value = valueAt(root, pointer);
  const schema = (error.parentSchema ?? {}) as Record<string, unknown>;
  const hint = typeof schema['x-format-hint'] === 'string' ? (schema['x-format-hint'] as string) : undefined;
  switch (error.keyword) {
    case 'required':
      return { pointer, message: `missing required property "${String(params.missingProperty)}"` };
    case 'additionalProperties': {
      const allowed = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
      const kind = isObject(value) && typeof value.kind === 'string' ? `${value.kind} step ` : '';
      return {
        pointer: `${pointer}/${escape(String(params.additionalProperty))}`,
        message: `unknown property "${String(params.additionalProperty)}"${allowed.length ? ` (a ${kind}may have: ${allowed.join(', ')})`.replace('a  ', 'a ') : ''}`,
      };
    }
    case 'discriminator':
      if (params.error === 'mapping') {
        const kinds = ((schema.properties as { kind?: { enum?: string[] } } | undefined)?.kind?.enum ?? []).join(', ');
        return { pointer: `${pointer}/kind`, message: `unknown kind ${JSON.stringify(params.tagValue)} (kinds: ${kinds})` };
      }
      return { pointer, message: `"kind" must be a string` };
    case 'type':
      return { pointer, message: `expected ${article(String(params.type))}, got ${describeValue(value)}` };
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
        return { pointer, message: `needs exactly one of ${names.join(' or ')}` };
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
      return { pointer, message: `must be ${String(params.comparison)} ${String(params.limit)}, got ${describeValue(value)}` };
    case 'uniqueItems':
      return { pointer, message: `must not repeat items (items ${String(params.j)} and ${String(params.i)} are equal)` };
    case 'propertyNames':
      return undefined;
    default:
      return { pointer, message: error.message ?? 'is invalid' };
  }
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'an object', array: 'an array', integer: 'an integer', string: 'a string', number: 'a number', boolean: 'a boolean', null: 'null' };
  return type.split(',').map((t) => names[t] ?? t).join(' or ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const segment of pointer.split('/').slice(1)) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  }
  return value;
}
