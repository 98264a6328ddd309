import { dereference, validate, type OutputUnit, type Schema } from '@cfworker/json-schema';
import {
  createErrorHandler,
  getDefaultFormState,
  toErrorSchema,
  unwrapErrorHandler,
  validationDataMerge,
  type CustomValidator,
  type ErrorSchema,
  type ErrorTransformer,
  type FormContextType,
  type RJSFSchema,
  type RJSFValidationError,
  type StrictRJSFSchema,
  type UiSchema,
  type ValidationData,
  type ValidatorType,
} from '@rjsf/utils';

/**
 * react-jsonschema-form's validator for the flow start form, without eval.
 *
 * rjsf's own validator (ajv) compiles each schema into a function with `new Function`, which the
 * console's Content-Security-Policy forbids (no script-src 'unsafe-eval'); flow input schemas are
 * read from the flow folders at run time, so they cannot be precompiled into the build either.
 * @cfworker/json-schema interprets a schema instead (draft 2020-12, `$ref`, formats).
 *
 * Errors say what the given messages say (in English, ajv's wording: "must have required property
 * 'file'") and carry rjsf's property paths (`.employee.email`), so each appears at its field; a
 * missing property's error at that property.
 */
export class JsonSchemaValidator<T = any, S extends StrictRJSFSchema = RJSFSchema, F extends FormContextType = any> implements ValidatorType<T, S, F> {
  /** Schemas cloned and indexed once: @cfworker/json-schema marks the schema objects it indexes. */
  private readonly indexed = new WeakMap<object, IndexedSchema>();
  /** Sub-schemas that `isValid` checks, indexed as part of their root schema, by root. */
  private readonly indexedWithin = new WeakMap<object, WeakMap<object, IndexedSchema>>();

  /** `messages`: what each failed keyword says, in the console's language (formMessages). */
  constructor(private readonly messages: FormMessages) {}

  /** Validation as the library reports it: every unit of its output, wrappers ("a subschema had errors") included. */
  rawValidation<Result = OutputUnit>(schema: S, formData?: T): { errors?: Result[]; validationError?: Error } {
    try {
      const { valid, errors } = check(this.indexOf(schema), formData, false);
      return valid ? {} : { errors: errors as Result[] };
    } catch (error) {
      return { validationError: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  /** The form's errors as rjsf shows them, merged with those of the form's own `customValidate`, as rjsf's ajv validator does. */
  validateFormData(formData: T | undefined, schema: S, customValidate?: CustomValidator<T, S, F>, transformErrors?: ErrorTransformer<T, S, F>, uiSchema?: UiSchema<T, S, F>): ValidationData<T> {
    const { errors: units, validationError } = this.rawValidation(schema, formData);
    let errors = units ? formErrors(units, this.indexOf(schema), this.messages) : [];
    if (validationError) errors.push({ stack: validationError.message });
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    let errorSchema = toErrorSchema<T>(errors);
    if (validationError) errorSchema = { ...errorSchema, $schema: { __errors: [validationError.message] } } as ErrorSchema<T>;
    if (!customValidate) return { errors, errorSchema };
    // customValidate sees every field, the empty ones as undefined.
    const withEmptyFields = getDefaultFormState<T, S, F>(this, schema, formData, schema, true) as T;
    const handler = customValidate(withEmptyFields, createErrorHandler<T>(withEmptyFields), uiSchema, errorSchema);
    return validationDataMerge<T>({ errors, errorSchema }, unwrapErrorHandler<T>(handler));
  }

  /** Whether data fits a sub-schema (a oneOf/anyOf option, an if condition) whose `$ref`s point into the root schema. */
  isValid(schema: S, formData: T | undefined, rootSchema: S): boolean {
    try {
      return check(this.indexWithin(rootSchema, schema), formData, true).valid;
    } catch (error) {
      console.warn('The form could not check a schema:', error);
      return false;
    }
  }

  private indexOf(schema: S): IndexedSchema {
    let found = this.indexed.get(schema);
    if (!found) {
      const copy = structuredClone(schema) as Schema;
      found = [copy, dereference(copy, Object.create(null), DOCUMENT_URI)];
      this.indexed.set(schema, found);
    }
    return found;
  }

  /**
   * The sub-schema indexed as if it stood in the root schema (at a place of its own), so that
   * `#/$defs/…` in it means the root's definitions, as in ajv's validator. Its own `$id` is dropped:
   * rjsf passes options and resolved copies of the root, which may repeat the root's.
   */
  private indexWithin(rootSchema: S, schema: S): IndexedSchema {
    const [root, rootLookup] = this.indexOf(rootSchema);
    let subSchemas = this.indexedWithin.get(rootSchema);
    if (!subSchemas) this.indexedWithin.set(rootSchema, (subSchemas = new WeakMap()));
    let found = subSchemas.get(schema);
    if (!found) {
      const copy = structuredClone(schema) as Schema;
      delete copy.$id;
      const lookup: Lookup = Object.create(rootLookup);
      found = [copy, dereference(copy, lookup, new URL(root.__absolute_uri__ ?? DOCUMENT_URI.href), '/__isValid_subject__')];
      subSchemas.set(schema, found);
    }
    return found;
  }
}

type Lookup = Record<string, Schema | boolean>;
/** A schema as @cfworker/json-schema validates with it: the schema, and its URIs' schemas. */
type IndexedSchema = [schema: Schema, lookup: Lookup];

/** Where schemas without an `$id` are taken to be: fixed, where the library would use the page's address. */
const DOCUMENT_URI = new URL('https://staffwire.invalid/flow-input.schema.json');

/**
 * Validates form data as JSON: a field rjsf left undefined is absent, as for ajv, and no data at
 * all is null (the library refuses undefined). `shortCircuit` stops at an object's first failing property.
 */
function check([schema, lookup]: IndexedSchema, formData: unknown, shortCircuit: boolean) {
  const data: unknown = formData === undefined ? null : JSON.parse(JSON.stringify(formData));
  return validate(data, schema, '2020-12', lookup, shortCircuit);
}

/** The library's output units that only say a subschema failed: the subschema's own errors follow them. */
const WRAPPERS = new Set(['$ref', '$recursiveRef', 'properties', 'patternProperties', 'additionalProperties', 'unevaluatedProperties', 'propertyNames', 'dependentSchemas', 'items', 'prefixItems', 'additionalItems', 'unevaluatedItems', 'allOf', 'if']);

/**
 * What a failed keyword says, made from its value in the schema (for `required`, the missing
 * field's title or name; for `dependentRequired`, `{ present, missing }`; for
 * `additionalProperties` and `unevaluatedProperties`, the extra property). One per keyword the
 * form can fail on, in the console's language: see form-messages.ts.
 */
export type FormMessages = Record<FormKeyword, (value: any) => string>;

export const FORM_KEYWORDS = [
  'type', 'const', 'enum', 'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains', 'minProperties', 'maxProperties',
  'not', 'anyOf', 'oneOf', 'required', 'dependentRequired', 'additionalProperties', 'unevaluatedProperties', 'false',
] as const;
export type FormKeyword = (typeof FORM_KEYWORDS)[number];

function isFormKeyword(keyword: string): keyword is FormKeyword {
  return (FORM_KEYWORDS as readonly string[]).includes(keyword);
}

/** The library's output as rjsf's errors: wrappers left out, each error once per property. */
function formErrors(units: OutputUnit[], indexed: IndexedSchema, messages: FormMessages): RJSFValidationError[] {
  const errors = new Map<string, RJSFValidationError>();
  units.forEach((unit, i) => {
    const error = formError(unit, units[i - 1], indexed, messages);
    if (error) errors.set(`${error.property}\n${error.message}`, error);
  });
  return [...errors.values()];
}

function formError(unit: OutputUnit, previous: OutputUnit | undefined, indexed: IndexedSchema, messages: FormMessages): RJSFValidationError | undefined {
  const { keyword, keywordLocation: schemaPath } = unit;
  const keys = pointerKeys(unit.instanceLocation);
  const error = (at: string[], message: string, params?: Record<string, unknown>) => {
    const property = propertyPath(at);
    return { name: keyword, property, message, stack: `${property} ${message}`.trim(), schemaPath, ...(params ? { params } : {}) };
  };
  const parent = schemaAt(indexed, schemaPath.slice(0, schemaPath.lastIndexOf('/')));
  switch (keyword) {
    case 'required': {
      const missing = /required property "(.*)"\.$/.exec(unit.error)?.[1];
      if (missing === undefined) return error(keys, unit.error);
      const title = (parent?.properties?.[missing] as Schema | undefined)?.title;
      return error([...keys, missing], messages.required(typeof title === 'string' ? title : missing), { missingProperty: missing });
    }
    case 'dependentRequired':
    case 'dependencies': {
      const [, present, missing] = /^Instance has "(.*)" but does not have "(.*)"\.$/.exec(unit.error) ?? [];
      // The schema form of `dependencies` only wraps the dependent schema's own errors.
      if (present === undefined || missing === undefined) return undefined;
      return error([...keys, missing], messages.dependentRequired({ present, missing }), { missingProperty: missing });
    }
    case 'false': {
      // `additionalProperties: false` fails at the extra property; ajv says so at the object.
      if (previous?.keyword === 'additionalProperties' || previous?.keyword === 'unevaluatedProperties') {
        return error(keys.slice(0, -1), messages[previous.keyword](keys.at(-1)), { property: keys.at(-1) });
      }
      return error(keys, messages.false(undefined));
    }
    default: {
      if (WRAPPERS.has(keyword)) return undefined;
      const value: unknown = parent?.[keyword];
      return error(keys, isFormKeyword(keyword) && value !== undefined ? messages[keyword](value) : unit.error);
    }
  }
}

/** The schema at a keyword location of the library's output, which passes through `$ref`s. */
function schemaAt([schema, lookup]: IndexedSchema, location: string): Schema | undefined {
  let node: unknown = schema;
  for (const segment of location.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = segment === '$ref' ? lookup[(node as Schema).__absolute_ref__ ?? ''] : (node as Record<string, unknown>)[pointerKey(segment)];
  }
  return node !== null && typeof node === 'object' ? (node as Schema) : undefined;
}

/** `#/employee/e~1mail` → ['employee', 'e/mail']: the library's pointers are also URI-encoded. */
function pointerKeys(location: string): string[] {
  return location.split('/').slice(1).map(pointerKey);
}

function pointerKey(segment: string): string {
  return decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~');
}

/** rjsf's path of a property (`.employee.email`, `.tags.0`, `["first.name"]`), as lodash's toPath reads it. */
function propertyPath(keys: string[]): string {
  return keys.map((key) => (/^[^.[\]'"\\]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`)).join('');
}
