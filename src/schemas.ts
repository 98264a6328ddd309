import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

// ajv-formats ships CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export type SchemaName = 'flow' | 'config' | 'connector';

let shared: Ajv2020 | undefined;

/**
 * The one ajv instance: 2020-12, formats, OpenAPI-style discriminators for readable union errors,
 * and `verbose` errors that carry the failing schema, which plain-words messages are made of.
 */
export function ajv(): Ajv2020 {
  if (!shared) {
    shared = new Ajv2020({ allErrors: true, strict: false, discriminator: true, verbose: true });
    addFormats(shared);
    for (const name of ['flow', 'config', 'connector'] as const) shared.addSchema(readSchema(name));
  }
  return shared;
}

export function readSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(join(packageRoot, 'schemas', `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
}

export function schemaValidator(name: SchemaName): ValidateFunction {
  const validate = ajv().getSchema(`https://staffwire.dev/schemas/${name}.schema.json`);
  if (!validate) throw new Error(`schema ${name} is not registered`);
  return validate;
}

/** Compiles a schema found in a flow or manifest (input schemas, action schemas); cached by identity. */
const compiled = new WeakMap<object, ValidateFunction>();
export function compileSchema(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv().compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}
