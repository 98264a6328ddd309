import { describe, expect, it } from 'vitest';
import { STEP_KINDS, type FlowDefinition, type RetryPolicy, type Step, type StepKind, type Trigger } from '../../src/engine/flow-types.js';
import { ERROR_CATEGORIES } from '../../src/errors/index.js';
import { readSchema } from '../../src/schemas.js';

/**
 * schemas/flow.schema.json is the definition; src/engine/flow-types.ts is its TypeScript view.
 * These tests keep the two from drifting: kinds at run time, fields through the compiler.
 */

interface ObjectSchema {
  properties?: Record<string, { const?: unknown; enum?: unknown[] }>;
  required?: string[];
  oneOf?: { $ref?: string }[];
  discriminator?: { propertyName: string };
  enum?: unknown[];
}

const schema = readSchema('flow') as unknown as ObjectSchema & { $defs: Record<string, ObjectSchema> };
const defs = schema.$defs;

function def(name: string): ObjectSchema {
  const found = defs[name];
  if (!found) throw new Error(`flow schema has no $defs/${name}`);
  return found;
}

/** The definitions a discriminated union's oneOf points at, by their `kind` constant. */
function branchesByKind(union: ObjectSchema): Map<unknown, ObjectSchema> {
  return new Map(
    (union.oneOf ?? []).map((branch) => {
      const target = branch.$ref?.replace('#/$defs/', '');
      const resolved = target === undefined ? (branch as ObjectSchema) : def(target);
      return [resolved.properties?.kind?.const, resolved];
    }),
  );
}

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type OptionalKeys<T> = Exclude<keyof T, RequiredKeys<T>>;
type Covers<All, Listed> = [All] extends [Listed] ? unknown : { missing: Exclude<All, Listed> };

/**
 * The fields of a TypeScript type as runtime lists. The compiler rejects a list that leaves out a
 * field, names one the type lacks, or puts an optional field among the required ones.
 */
function fieldsOf<T>() {
  return <const R extends readonly RequiredKeys<T>[], const O extends readonly OptionalKeys<T>[]>(fields: {
    required: R & Covers<RequiredKeys<T>, R[number]>;
    optional: O & Covers<OptionalKeys<T>, O[number]>;
  }) => ({ required: [...fields.required] as string[], optional: [...fields.optional] as string[] });
}

type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;
const common = ['description', 'retry'] as const;

const STEP_FIELDS: { [K in StepKind]: { required: string[]; optional: string[] } } = {
  call: fieldsOf<StepOf<'call'>>()({ required: ['id', 'kind', 'action'], optional: [...common, 'connection', 'with'] }),
  set: fieldsOf<StepOf<'set'>>()({ required: ['id', 'kind', 'values'], optional: common }),
  switch: fieldsOf<StepOf<'switch'>>()({ required: ['id', 'kind', 'cases'], optional: [...common, 'default'] }),
  for: fieldsOf<StepOf<'for'>>()({ required: ['id', 'kind', 'each', 'steps'], optional: [...common, 'concurrency', 'onFailure'] }),
  parallel: fieldsOf<StepOf<'parallel'>>()({ required: ['id', 'kind', 'branches'], optional: common }),
  try: fieldsOf<StepOf<'try'>>()({ required: ['id', 'kind', 'steps', 'catch'], optional: common }),
  wait: fieldsOf<StepOf<'wait'>>()({ required: ['id', 'kind'], optional: [...common, 'for', 'until'] }),
  run: fieldsOf<StepOf<'run'>>()({ required: ['id', 'kind', 'flow'], optional: [...common, 'input'] }),
  raise: fieldsOf<StepOf<'raise'>>()({ required: ['id', 'kind', 'error'], optional: ['description', 'message'] }),
  return: fieldsOf<StepOf<'return'>>()({ required: ['id', 'kind'], optional: ['description', 'output'] }),
  schedule: fieldsOf<StepOf<'schedule'>>()({ required: ['id', 'kind', 'key', 'flow', 'at'], optional: [...common, 'input', 'timeZone'] }),
  unschedule: fieldsOf<StepOf<'unschedule'>>()({ required: ['id', 'kind', 'key'], optional: common }),
  listen: fieldsOf<StepOf<'listen'>>()({ required: ['id', 'kind', 'connection', 'event', 'key', 'match'], optional: ['description', 'when', 'timeout', 'timeoutError'] }),
  sync: fieldsOf<StepOf<'sync'>>()({
    required: ['id', 'kind', 'source', 'key', 'map', 'destination'],
    optional: [...common, 'name', 'ended', 'onEnded', 'onMissing', 'cursor', 'dryRun'],
  }),
};

const sorted = (values: Iterable<unknown>) => [...values].map(String).sort();

function expectSameFields(schemaObject: ObjectSchema, fields: { required: string[]; optional: string[] }): void {
  expect(sorted(Object.keys(schemaObject.properties ?? {}))).toEqual(sorted([...fields.required, ...fields.optional]));
  expect(sorted(schemaObject.required ?? [])).toEqual(sorted(fields.required));
}

describe('flow-types.ts against flow.schema.json', () => {
  it('STEP_KINDS lists each kind of the schema’s step enum exactly once', () => {
    const kinds = def('step').properties?.kind?.enum ?? [];

    expect(new Set(STEP_KINDS).size).toBe(STEP_KINDS.length);
    expect(sorted(STEP_KINDS)).toEqual(sorted(kinds));
  });

  it('the step discriminator has one oneOf branch per kind in STEP_KINDS', () => {
    const step = def('step');
    const branches = branchesByKind(step);

    expect(step.discriminator).toEqual({ propertyName: 'kind' });
    expect(step.oneOf).toHaveLength(STEP_KINDS.length);
    expect(sorted(branches.keys())).toEqual(sorted(STEP_KINDS));
  });

  it.each(STEP_KINDS)('the %s step has the same fields, and the same required ones, in both', (kind) => {
    const branch = branchesByKind(def('step')).get(kind);
    if (!branch) throw new Error(`no schema branch for ${kind}`);

    expectSameFields(branch, STEP_FIELDS[kind]);
  });

  it('a flow has the same top-level fields in both', () => {
    expectSameFields(
      schema,
      fieldsOf<FlowDefinition>()({
        required: ['id', 'version', 'steps'],
        optional: ['$schema', 'name', 'description', 'input', 'triggers', 'businessKey', 'onDuplicate', 'retry', 'output'],
      }),
    );
  });

  it('a retry policy has the same fields in both, and retries on the same categories', () => {
    expectSameFields(
      def('retryPolicy'),
      fieldsOf<RetryPolicy>()({ required: [], optional: ['maxAttempts', 'initialDelay', 'backoffFactor', 'maxDelay', 'jitter', 'on'] }),
    );
    expect(sorted(def('errorCategory').enum ?? [])).toEqual(sorted(ERROR_CATEGORIES));
  });

  it('the triggers have the same kinds and fields in both', () => {
    const branches = branchesByKind(def('trigger'));

    expect(sorted(branches.keys())).toEqual(['cron', 'event', 'hook', 'manual']);
    expectSameFields(
      branches.get('cron') ?? {},
      fieldsOf<Extract<Trigger, { kind: 'cron' }>>()({ required: ['kind', 'schedule'], optional: ['timeZone', 'missed', 'input'] }),
    );
    expectSameFields(branches.get('hook') ?? {}, fieldsOf<Extract<Trigger, { kind: 'hook' }>>()({ required: ['kind', 'secret'], optional: ['respond'] }));
    expectSameFields(branches.get('manual') ?? {}, fieldsOf<Extract<Trigger, { kind: 'manual' }>>()({ required: ['kind'], optional: [] }));
    expectSameFields(
      branches.get('event') ?? {},
      fieldsOf<Extract<Trigger, { kind: 'event' }>>()({ required: ['kind', 'connection', 'event'], optional: ['when'] }),
    );
  });
});
