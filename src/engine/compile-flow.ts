import { createHash } from 'node:crypto';
import { ajv, compileSchema } from '../schemas.js';
import type { CompiledFlow, CompiledTrigger } from './compiled-flow.js';
import { parseDuration } from './retry/duration.js';
import { cronProblem, isTimeZone } from './validate/time-checks.js';
import { eventSourceProblems } from './validate/event-source.js';
import { compileValue, escapePointer, holdsExpression, TemplateCompileError, type CompiledValue } from './expressions/template.js';
import type { FlowDefinition, RetryPolicy, Trigger } from './flow-types.js';
import { resolveRetryPolicy } from './retry/retry-policy.js';
import { childBlocksOf, stepKind } from './steps/index.js';
import type { ChildBlock, CompiledStep, CompileEnvironment, Step, StepCompileContext } from './steps/step-kind.js';
import { closest } from './validate/did-you-mean.js';
import { undeclaredField } from './validate/output-fields.js';
import { schemaDiagnostics } from './validate/schema-errors.js';

export type { CompileEnvironment } from './steps/step-kind.js';

/** A problem found in a flow: where (JSON pointer, and an offset inside a string value) and why. */
export interface Diagnostic {
  pointer: string;
  message: string;
  /** Offset inside the string at `pointer` (an expression's position), when it matters. */
  offset?: number;
}

export interface CompileResult {
  flow: CompiledFlow | undefined;
  diagnostics: Diagnostic[];
}

/** Where a step id stands, for reference messages. */
interface StepPlace {
  id: string;
  pointer: string;
  step: Step;
  /** The nearest enclosing step whose block iterates (a `for`), if any. */
  loop: string | undefined;
}

/**
 * Resolves a schema-valid flow definition into an executable one, collecting every problem the
 * schema cannot see: duplicate ids, expression syntax, unknown connectors, actions and
 * connections, literal inputs that contradict an action's schema, and `$steps` references to
 * steps that do not exist or have not run yet.
 */
export function compileFlow(definition: FlowDefinition, env: CompileEnvironment): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const places = new Map<string, StepPlace>();
  collectPlaces(definition.steps, '/steps', undefined, places, diagnostics);

  if (definition.input !== undefined) checkInputSchema(definition.input, diagnostics);
  const flowRetry = definition.retry ? resolveRetryPolicy(definition.retry) : undefined;
  const compiler = new StepCompiler(env, diagnostics, places, flowRetry);
  const triggers = (definition.triggers ?? []).map((trigger, i) => compiler.trigger(trigger, `/triggers/${i}`));
  const businessKey = definition.businessKey === undefined ? undefined : compiler.value(definition.businessKey, '/businessKey', new Set(), []);
  const steps = compiler.block(definition.steps, '/steps', new Set(), []);
  const output =
    definition.output === undefined
      ? undefined
      : compiler.value(definition.output, '/output', new Set(allIds(definition.steps)), []);
  if (diagnostics.length > 0) return { flow: undefined, diagnostics };
  const content = JSON.stringify(definition);
  const subFlows = [...new Set(allSteps(definition.steps).flatMap((s) => stepKind(s.kind).startsFlows?.(s) ?? []))];
  return {
    flow: { definition, content, hash: hashFlowContent(content), steps, output, subFlows, triggers, businessKey, onDuplicate: definition.onDuplicate ?? 'skip' },
    diagnostics,
  };
}

/** The run input is checked against `input` when a run starts; a broken schema must fail here instead. */
function checkInputSchema(schema: Record<string, unknown>, diagnostics: Diagnostic[]): void {
  const meta = schema.$schema;
  if (meta !== undefined && (typeof meta !== 'string' || !ajv().getSchema(meta))) {
    diagnostics.push({ pointer: '/input/$schema', message: `"input" is JSON Schema 2020-12: leave "$schema" out or set it to "${JSON_SCHEMA_2020_12}"` });
    return;
  }
  if (!ajv().validateSchema(schema)) {
    for (const d of schemaDiagnostics(ajv().errors ?? [], schema)) {
      diagnostics.push({ pointer: `/input${d.pointer}`, message: `not a valid JSON Schema: ${d.message}` });
    }
    return;
  }
  try {
    compileSchema(schema);
  } catch (err) {
    diagnostics.push({ pointer: '/input', message: `not a usable JSON Schema: ${(err as Error).message}` });
  }
}

const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

export function hashFlowContent(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

function collectPlaces(steps: Step[], pointer: string, loop: string | undefined, places: Map<string, StepPlace>, diagnostics: Diagnostic[]): void {
  steps.forEach((step, i) => {
    const here = `${pointer}/${i}`;
    const previous = places.get(step.id);
    if (previous) {
      diagnostics.push({ pointer: `${here}/id`, message: `step id "${step.id}" is already used at ${previous.pointer}` });
    } else {
      places.set(step.id, { id: step.id, pointer: here, step, loop });
    }
    for (const block of childBlocksOf(step, here)) {
      collectPlaces(block.steps, block.pointer, block.iterates ? step.id : loop, places, diagnostics);
    }
  });
}

function allSteps(steps: Step[]): Step[] {
  return steps.flatMap((step) => [step, ...childBlocksOf(step, '').flatMap((block) => allSteps(block.steps))]);
}

function allIds(steps: Step[]): string[] {
  return allSteps(steps).map((step) => step.id);
}

class StepCompiler {
  constructor(
    private readonly env: CompileEnvironment,
    private readonly diagnostics: Diagnostic[],
    private readonly places: Map<string, StepPlace>,
    private readonly flowRetry: ReturnType<typeof resolveRetryPolicy> | undefined,
  ) {}

  /** `visible`: ids that have finished before this block starts; `enclosing`: container ids around it. */
  block(steps: Step[], pointer: string, visible: Set<string>, enclosing: string[]): CompiledStep[] {
    const seen = new Set(visible);
    return steps.map((step, i) => {
      const compiled = this.step(step, `${pointer}/${i}`, seen, enclosing);
      for (const id of allIds([step])) seen.add(id);
      return compiled;
    });
  }

  value(value: unknown, pointer: string, visible: Set<string>, enclosing: string[]): CompiledValue {
    let compiled: CompiledValue;
    try {
      compiled = compileValue(value, this.env.limits);
    } catch (err) {
      if (!(err instanceof TemplateCompileError)) throw err;
      if (typeof value === 'string') {
        this.diagnostics.push({ pointer: pointer + err.pointer, message: err.message, offset: err.offset });
      } else {
        // compileValue stops at the first bad expression; string by string, every one is reported.
        for (const [at, text] of stringsIn(value)) this.value(text, pointer + at, visible, enclosing);
      }
      return compileValue(null, this.env.limits);
    }
    for (const placed of compiled.expressions) {
      for (const ref of placed.compiled.stepReferences) {
        const problem = this.referenceProblem(ref.stepId, visible, enclosing, pointer) ?? this.fieldProblem(ref.stepId, ref.fields);
        if (problem) {
          this.diagnostics.push({
            pointer: pointer + placed.pointer,
            message: problem,
            offset: placed.offset + 2 + ref.position,
          });
        }
      }
    }
    return compiled;
  }

  private referenceProblem(id: string, visible: Set<string>, enclosing: string[], pointer: string): string | undefined {
    const place = this.places.get(id);
    if (!place) {
      const suggestion = closest(id, [...this.places.keys()]);
      return `$steps.${id} refers to a step that does not exist${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
    }
    if (this.stepAt(pointer) === place) {
      return `$steps.${id} refers to this step itself; a step can read only steps that finished before it`;
    }
    if (enclosing.includes(id)) return `$steps.${id} refers to a step that encloses this one and has not finished yet`;
    if (!visible.has(id)) return this.apartProblem(id, place.pointer, pointer) ?? `$steps.${id} refers to step "${id}", which runs later (at ${place.pointer})`;
    if (place.loop !== undefined && !enclosing.includes(place.loop)) {
      return `$steps.${id} refers to a step inside for loop "${place.loop}"; after the loop, read $steps.${place.loop} (one output per item)`;
    }
    return undefined;
  }

  /** A field read from a step's output that its declared output schema does not have. */
  private fieldProblem(id: string, fields: readonly string[]): string | undefined {
    const step = this.places.get(id)?.step;
    if (!step || fields.length === 0) return undefined;
    const schema = stepKind(step.kind).outputSchema?.(step, this.env);
    const undeclared = schema && undeclaredField(schema, fields);
    if (!undeclared) return undefined;
    const read = `$steps.${id}.${fields.slice(0, undeclared.index + 1).join('.')}`;
    const name = fields[undeclared.index]!;
    const where = undeclared.index === 0 ? `the output of step "${id}"` : `$steps.${id}.${fields.slice(0, undeclared.index).join('.')}`;
    const suggestion = closest(name, undeclared.declared);
    const known = suggestion ? `did you mean "${suggestion}"?` : `fields: ${undeclared.declared.join(', ')}`;
    return `${read}: ${where} has no field "${name}" (${known}); \`staffwire connectors show <connector>\` lists what each action returns`;
  }

  /** The innermost step whose definition holds `pointer`. */
  private stepAt(pointer: string): StepPlace | undefined {
    let best: StepPlace | undefined;
    for (const place of this.places.values()) {
      if (pointer.startsWith(`${place.pointer}/`) && (!best || place.pointer.length > best.pointer.length)) best = place;
    }
    return best;
  }

  /**
   * When the step at `stepPointer` and the reference at `pointer` sit in different blocks of one
   * step whose blocks run at the same time (parallel branches) or instead of each other (switch
   * cases), says so.
   */
  private apartProblem(id: string, stepPointer: string, pointer: string): string | undefined {
    let container: { place: StepPlace; blocks: ChildBlock[] } | undefined;
    for (const place of this.places.values()) {
      const prefix = `${place.pointer}/`;
      if (!stepPointer.startsWith(prefix) || !pointer.startsWith(prefix)) continue;
      if (!container || place.pointer.length > container.place.pointer.length) container = { place, blocks: childBlocksOf(place.step, place.pointer) };
    }
    if (!container) return undefined;
    const blockOf = (at: string) => container.blocks.find((block) => at.startsWith(`${block.pointer}/`));
    const a = blockOf(stepPointer);
    const b = blockOf(pointer);
    if (!a || !b || a === b) return undefined;
    const { id: containerId, step } = container.place;
    if (a.together === 'concurrent') {
      return `$steps.${id} refers to a step in another branch of ${step.kind} step "${containerId}", which runs at the same time`;
    }
    if (a.together === 'exclusive') {
      return `$steps.${id} refers to a step in another case of ${step.kind} step "${containerId}", which does not run when this one does`;
    }
    return undefined;
  }

  private retry(step: Step): ReturnType<typeof resolveRetryPolicy> | undefined {
    if ('retry' in step && step.retry) return resolveRetryPolicy(step.retry as RetryPolicy);
    return stepKind(step.kind).usesFlowRetry ? this.flowRetry : undefined;
  }

  private step(step: Step, pointer: string, visible: Set<string>, enclosing: string[]): CompiledStep {
    const inner = [...enclosing, step.id];
    const context: StepCompileContext = {
      env: this.env,
      value: (value, at) => this.value(value, at, visible, enclosing),
      block: (steps, at, options) =>
        this.block(steps, at, options?.sees ? new Set([...visible, ...allIds(options.sees)]) : visible, inner),
      timestamp: (value, at) => this.timestamp(value, at, visible, enclosing),
      problem: (at, message) => this.diagnostics.push({ pointer: at, message }),
    };
    const compiled = stepKind(step.kind).compile(step, pointer, context);
    return { id: step.id, kind: step.kind, pointer, retry: this.retry(step), ...compiled } as CompiledStep;
  }

  private timestamp(until: string, pointer: string, visible: Set<string>, enclosing: string[]): CompiledValue {
    if (!holdsExpression(until) && !compileSchema(TIMESTAMP)(until)) {
      // Without a zone the moment would depend on the time zone of whichever machine runs the step.
      const message = compileSchema(TIMESTAMP_WITHOUT_ZONE)(until)
        ? `"${until}" has no time zone: add Z for UTC or an offset such as +08:00`
        : `"${until}" is not an ISO 8601 timestamp with a time zone, such as 2025-03-01T09:00:00Z`;
      this.diagnostics.push({ pointer, message });
    }
    return this.value(until, pointer, visible, enclosing);
  }

  /** A trigger, checked: an event trigger names an event its connection delivers, a cron a valid schedule and zone. */
  trigger(trigger: Trigger, pointer: string): CompiledTrigger {
    switch (trigger.kind) {
      case 'manual':
        return trigger;
      case 'event': {
        for (const p of eventSourceProblems(this.env, trigger.connection, trigger.event)) this.diagnostics.push({ pointer: `${pointer}/${p.field}`, message: p.message });
        const when = trigger.when === undefined ? undefined : this.value(trigger.when, `${pointer}/when`, new Set(), []);
        return { kind: 'event', connection: trigger.connection, event: trigger.event, when };
      }
      case 'cron': {
        const timeZone = trigger.timeZone ?? 'UTC';
        if (!isTimeZone(timeZone)) this.diagnostics.push({ pointer: `${pointer}/timeZone`, message: `"${timeZone}" is not an IANA time zone, such as Asia/Shanghai or America/Los_Angeles` });
        const problem = cronProblem(trigger.schedule, timeZone);
        if (problem) this.diagnostics.push({ pointer: `${pointer}/schedule`, message: problem });
        return { kind: 'cron', schedule: trigger.schedule, timeZone, missed: trigger.missed ?? 'skip', input: trigger.input };
      }
      case 'hook':
        return { kind: 'hook', secretEnv: trigger.secret.env, respondWithinMs: parseDuration(trigger.respond?.waitUpTo) };
    }
  }
}

const TIMESTAMP = { type: 'string', format: 'date-time' };
const TIMESTAMP_WITHOUT_ZONE = { type: 'string', format: 'iso-date-time' };

/** Every string inside a JSON value, with its pointer relative to the value. */
function stringsIn(value: unknown, at = ''): [string, string][] {
  if (typeof value === 'string') return [[at, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => stringsIn(v, `${at}/${escapePointer(key)}`));
}
