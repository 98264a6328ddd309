import { ajv } from './schemas.js';

/** A JSON Schema as found in a manifest or a shared schema file. */
export type Schema = Record<string, unknown>;

/** A schema together with the document its local `#/…` references point into. */
export interface Located {
  schema: Schema;
  root: Schema;
}

/** A schema with its `$ref`s followed, and the references followed to reach it; or why it cannot be. */
type Dereferenced = { located: Located; seen: Set<string> } | { unresolved: string };

/**
 * Follows `$ref`s: `#/…` within the schema's document, anything else a schema registered by its
 * `$id` (optionally with a `#/…` fragment). Sibling keywords of a `$ref` (a description) win over
 * the target's. A reference already followed on the way here is not followed again.
 */
export function deref(given: Located, seen: Set<string>): Dereferenced {
  let located = given;
  let path = seen;
  while (typeof located.schema.$ref === 'string') {
    const ref = located.schema.$ref;
    const hash = ref.indexOf('#');
    const base = hash < 0 ? ref : ref.slice(0, hash);
    const document = base === '' ? located.root : (ajv().getSchema(base)?.schema as Schema | undefined);
    const key = `${base === '' ? documentKey(located.root) : base}${hash < 0 ? '' : ref.slice(hash)}`;
    if (path.has(key)) return { unresolved: `→ ${ref} (recursive)` };
    const target = document && followPointer(document, hash < 0 ? '' : ref.slice(hash + 1));
    if (!document || !target) return { unresolved: `${ref} (not found)` };
    const { $ref: _followed, ...siblings } = located.schema;
    located = { schema: { ...target, ...siblings }, root: document };
    path = new Set(path).add(key);
  }
  return { located, seen: path };
}

/** Documents without an `$id` (a manifest's own schemas) are told apart by a number. */
const documentKeys = new WeakMap<Schema, string>();
let anonymousDocuments = 0;
function documentKey(root: Schema): string {
  let key = documentKeys.get(root);
  if (key === undefined) {
    key = typeof root.$id === 'string' ? root.$id : `schema-${++anonymousDocuments}`;
    documentKeys.set(root, key);
  }
  return key;
}

function followPointer(document: Schema, pointer: string): Schema | undefined {
  let node: unknown = document;
  for (const token of pointer.split('/').slice(1)) {
    const key = decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~');
    node = isSchemaObject(node) ? node[key] : undefined;
  }
  return isSchemaObject(node) ? node : undefined;
}

export function isSchemaObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
