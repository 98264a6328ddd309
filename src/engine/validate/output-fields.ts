import { deref, isSchemaObject, type Located, type Schema } from '../../schema-refs.js';

/** Arrays nested in arrays are followed this deep before a chain is left unchecked. */
const MAX_ARRAY_NESTING = 8;

/**
 * Where a chain of field names read from an output (`$steps.user.user.leader_id` reads user,
 * leader_id) leaves what its schema declares: the first undeclared name and the names declared
 * beside it. Undefined when every name is declared, or when the schema cannot tell (no
 * `properties`, `additionalProperties` allowed, unions, unresolvable references). A field read
 * from an array reads it from every item, as JSONata does.
 */
export function undeclaredField(schema: Schema, fields: readonly string[]): { index: number; declared: string[] } | undefined {
  let located: Located = { schema, root: schema };
  let seen = new Set<string>();
  for (const [index, name] of fields.entries()) {
    for (let nesting = 0; ; nesting++) {
      const followed = deref(located, seen);
      if ('unresolved' in followed) return undefined;
      ({ located, seen } = followed);
      const { items } = located.schema;
      if (located.schema.type !== 'array' || !isSchemaObject(items)) break;
      if (nesting === MAX_ARRAY_NESTING) return undefined;
      located = { schema: items, root: located.root };
    }
    const current = located.schema;
    if (['anyOf', 'oneOf', 'allOf', 'if', 'patternProperties', '$dynamicRef'].some((keyword) => keyword in current)) return undefined;
    if (!isSchemaObject(current.properties)) return undefined;
    const next = current.properties[name];
    if (isSchemaObject(next)) {
      located = { schema: next, root: located.root };
      continue;
    }
    if (next !== undefined || (current.additionalProperties !== undefined && current.additionalProperties !== false)) return undefined;
    return { index, declared: Object.keys(current.properties) };
  }
  return undefined;
}
