import { createHash } from 'node:crypto';
import type { ConnectorRegistry } from '../connector-kit/registry.js';
import type { ConnectionConfig } from '../connector-kit/connection.js';
import { ajv, compileSchema } from '../schemas.js';
import type { CompiledFlow, CompiledStep } from './compiled-flow.js';
import type { ExpressionLimits } from './expressions/expression.js';
import { compileValue, escapePointer, holdsExpression, TemplateCompileError, type CompiledValue } from './expressions/template.js';
import type { FlowDefinition, RetryPolicy, Step, Trigger } from './flow-types.js';
import { parseDuration } from './retry/duration.js';
import { resolveRetryPolicy } from './retry/retry-policy.js';
import { closest } from './validate/did-you-mean.js';
import { schemaDiagnostics } from './validate/schema-errors.js';

/** A problem found in a flow: where (JSON pointer, and an offset inside a string value) and why. */
export interface Diagnostic {
  pointer: string;
  message: string;
  /** Offset inside the string at `pointer` (an expression's position), when it matters. */
  offset?: number;
}

export interface CompileEnvironment {
  connectors: ConnectorRegistry;
  connections: Record<string, ConnectionConfig>;
  limits: ExpressionLimits;
}

export interface CompileResult {
  flow: CompiledFlow | undefined;
  diagnostics: Diagnostic[];
}

/** Where a step id stands, for reference messages. */
interface StepPlace {
  id: string;
  pointer: string;
  /** The nearest enclosing `for`, if any. */
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
  definition.triggers?.forEach((trigger, i) => compiler.trigger(trigger, `/triggers/${i}`));
  const steps = compiler.block(definition.steps, '/steps', new Set(), []);
  const output =
    definition.output === undefined
      ? undefined
      : compiler.value(definition.output, '/output', new Set(allIds(definition.steps)), []);
  if (diagnostics.length > 0) return { flow: undefined, diagnostics };
  const content = JSON.stringify(definition);
  const subFlows = [...new Set(allSteps(definition.steps).flatMap((s) => (s.kind === 'run' ? [s.flow] : [])))];
  return {
    flow: { definition, content, hash: hashFlowContent(content), steps, output, subFlows },
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
      places.set(step.id, { id: step.id, pointer: here, loop });
    }
    for (const [childPointer, children] of childBlocks(step, here)) {
      collectPlaces(children, childPointer, step.kind === 'for' ? step.id : loop, places, diagnostics);
    }
  });
}

function childBlocks(step: Step, pointer: string): [string, Step[]][] {
  switch (step.kind) {
    case 'switch':
      return [
        ...step.cases.map((c, i) => [`${pointer}/cases/${i}/steps`, c.steps] as [string, Step[]]),
        ...(step.default ? [[`${pointer}/default`, step.default] as [string, Step[]]] : []),
      ];
    case 'for':
      return [[`${pointer}/steps`, step.steps]];
    case 'parallel':
      return Object.entries(step.branches).map(([name, children]) => [`${pointer}/branches/${escapePointer(name)}`, children]);
    case 'try':
      return [
        [`${pointer}/steps`, step.steps],
        [`${pointer}/catch`, step.catch],
      ];
    default:
      return [];
  }
}

function allSteps(steps: Step[]): Step[] {
  return steps.flatMap((step) => [step, ...childBlocks(step, '').flatMap(([, children]) => allSteps(children))]);
}

function allIds(steps: Step[]): string[] {
  return steps.flatMap((step) => [step.id, ...childBlocks(step, '').flatMap(([, children]) => allIds(children))]);
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
      for (const id of [step.id, ...allIdsOf(step)]) seen.add(id);
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
        const problem = this.referenceProblem(ref.stepId, visible, enclosing, pointer);
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

  /** The innermost step whose definition holds `pointer`. */
  private stepAt(pointer: string): StepPlace | undefined {
    let best: StepPlace | undefined;
    for (const place of this.places.values()) {
      if (pointer.startsWith(`${place.pointer}/`) && (!best || place.pointer.length > best.pointer.length)) best = place;
    }
    return best;
  }

  /**
   * When the step at `stepPointer` and the reference at `pointer` sit in different branches of one
   * parallel step, or different cases of one switch step, says so. Step pointers pass only through
   * step blocks, so a `branches` or `cases` segment there always belongs to such a step.
   */
  private apartProblem(id: string, stepPointer: string, pointer: string): string | undefined {
    const a = stepPointer.split('/');
    const b = pointer.split('/');
    let k = 0;
    while (k < a.length && k < b.length && a[k] === b[k]) k++;
    const containerId = (end: number) => [...this.places.values()].find((p) => p.pointer === a.slice(0, end).join('/'))?.id;
    if (a[k - 1] === 'branches') {
      return `$steps.${id} refers to a step in another branch of parallel step "${containerId(k - 1)}", which runs at the same time`;
    }
    const caseBlock = (segment: string | undefined) => segment === 'cases' || segment === 'default';
    const switchEnd = a[k - 1] === 'cases' ? k - 1 : caseBlock(a[k]) && caseBlock(b[k]) ? k : undefined;
    if (switchEnd !== undefined) {
      return `$steps.${id} refers to a step in another case of switch step "${containerId(switchEnd)}", which does not run when this one does`;
    }
    return undefined;
  }

  private retry(step: Step): ReturnType<typeof resolveRetryPolicy> | undefined {
    if ('retry' in step && step.retry) return resolveRetryPolicy(step.retry as RetryPolicy);
    return step.kind === 'call' ? this.flowRetry : undefined;
  }

  private step(step: Step, pointer: string, visible: Set<string>, enclosing: string[]): CompiledStep {
    const base = { id: step.id, pointer, retry: this.retry(step) };
    const inner = [...enclosing, step.id];
    switch (step.kind) {
      case 'call':
        return { ...base, kind: 'call', ...this.resolveAction(step, pointer), input: this.value(step.with ?? {}, `${pointer}/with`, visible, enclosing) };
      case 'set':
        return { ...base, kind: 'set', values: this.value(step.values, `${pointer}/values`, visible, enclosing) };
      case 'switch': {
        const cases = step.cases.map((c, i) => ({
          when: this.value(c.when, `${pointer}/cases/${i}/when`, visible, enclosing),
          steps: this.block(c.steps, `${pointer}/cases/${i}/steps`, visible, inner),
        }));
        const otherwise = step.default ? this.block(step.default, `${pointer}/default`, visible, inner) : undefined;
        return { ...base, kind: 'switch', cases, otherwise };
      }
      case 'for':
        return {
          ...base,
          kind: 'for',
          each: this.value(step.each, `${pointer}/each`, visible, enclosing),
          concurrency: step.concurrency ?? 1,
          onFailure: step.onFailure ?? 'stop',
          steps: this.block(step.steps, `${pointer}/steps`, visible, inner),
        };
      case 'parallel':
        return {
          ...base,
          kind: 'parallel',
          branches: Object.entries(step.branches).map(([name, steps]) => [
            name,
            this.block(steps, `${pointer}/branches/${escapePointer(name)}`, visible, inner),
          ]),
        };
      case 'try': {
        const steps = this.block(step.steps, `${pointer}/steps`, visible, inner);
        const afterTry = new Set([...visible, ...step.steps.flatMap((s) => [s.id, ...allIdsOf(s)])]);
        return { ...base, kind: 'try', steps, catch: this.block(step.catch, `${pointer}/catch`, afterTry, inner) };
      }
      case 'wait': {
        const forMs = parseDuration(step.for);
        return {
          ...base,
          kind: 'wait',
          forMs,
          until: step.until === undefined ? undefined : this.untilValue(step.until, `${pointer}/until`, visible, enclosing),
        };
      }
      case 'run':
        return { ...base, kind: 'run', flow: step.flow, input: this.value(step.input ?? {}, `${pointer}/input`, visible, enclosing) };
      case 'raise':
        return {
          ...base,
          kind: 'raise',
          error: step.error,
          message: this.value(step.message ?? step.error, `${pointer}/message`, visible, enclosing),
        };
      case 'return':
        return { ...base, kind: 'return', output: this.value(step.output ?? null, `${pointer}/output`, visible, enclosing) };
    }
  }

  private untilValue(until: string, pointer: string, visible: Set<string>, enclosing: string[]): CompiledValue {
    if (!holdsExpression(until) && !compileSchema(TIMESTAMP)(until)) {
      // Without a zone the moment would depend on the time zone of whichever machine runs the step.
      const message = compileSchema(TIMESTAMP_WITHOUT_ZONE)(until)
        ? `"${until}" has no time zone: add Z for UTC or an offset such as +08:00`
        : `"${until}" is not an ISO 8601 timestamp with a time zone, such as 2025-03-01T09:00:00Z`;
      this.diagnostics.push({ pointer, message });
    }
    return this.value(until, pointer, visible, enclosing);
  }

  /** An event trigger must name a connection whose connector delivers that event. */
  trigger(trigger: Trigger, pointer: string): void {
    if (trigger.kind !== 'event') return;
    if (trigger.when !== undefined) this.value(trigger.when, `${pointer}/when`, new Set(), []);
    const connection = this.env.connections[trigger.connection];
    if (!connection) {
      this.diagnostics.push({ pointer: `${pointer}/connection`, message: unknownConnection(trigger.connection, this.env.connections) });
      return;
    }
    const connector = this.env.connectors.get(connection.connector);
    if (!connector) {
      this.diagnostics.push({
        pointer: `${pointer}/connection`,
        message: `connection "${trigger.connection}" is for connector "${connection.connector}", which is not installed`,
      });
      return;
    }
    // One Lark app delivers the events of every Lark product its connection serves.
    const served = this.env.connectors.list().filter((m) => this.env.connectors.shareConnections(connection.connector, m.id));
    const events = served.flatMap((m) => Object.keys(m.events ?? {}));
    if (!events.includes(trigger.event)) {
      const suggestion = closest(trigger.event, events);
      this.diagnostics.push({
        pointer: `${pointer}/event`,
        message: `connection "${trigger.connection}" delivers no event "${trigger.event}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: \`staffwire connectors show ${connector.manifest.id}\` lists the events`,
      });
    }
  }

  private resolveAction(step: Extract<Step, { kind: 'call' }>, pointer: string) {
    const dot = step.action.indexOf('.');
    const connectorId = step.action.slice(0, dot);
    const actionName = step.action.slice(dot + 1);
    const resolved = { connector: connectorId, action: actionName, connection: step.connection, sideEffect: true };
    const connector = this.env.connectors.get(connectorId);
    if (!connector) {
      const suggestion = closest(connectorId, this.env.connectors.list().map((m) => m.id));
      this.diagnostics.push({
        pointer: `${pointer}/action`,
        message: `unknown connector "${connectorId}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: \`staffwire connectors list\` shows the installed ones`,
      });
      return resolved;
    }
    const action = connector.manifest.actions[actionName];
    if (!action) {
      this.diagnostics.push({
        pointer: `${pointer}/action`,
        message: `connector "${connectorId}" has no action "${actionName}" (actions: ${Object.keys(connector.manifest.actions).join(', ')})`,
      });
      return resolved;
    }
    resolved.sideEffect = action.sideEffect;
    if (step.connection !== undefined) {
      const connection = this.env.connections[step.connection];
      if (!connection) {
        this.diagnostics.push({ pointer: `${pointer}/connection`, message: unknownConnection(step.connection, this.env.connections) });
      } else if (!this.env.connectors.shareConnections(connection.connector, connectorId)) {
        this.diagnostics.push({
          pointer: `${pointer}/connection`,
          message: `connection "${step.connection}" is for connector "${connection.connector}"; ${step.action} needs a connection for connector "${connectorId}"`,
        });
      }
    } else if (connector.manifest.connection.required) {
      this.diagnostics.push({ pointer, message: `${step.action} needs a connection: set "connection" to a ${connectorId} connection` });
    }
    if (step.with !== undefined) {
      this.checkLiteralInput(step.with, action.input, `${pointer}/with`);
    } else if (Array.isArray(action.input.required) && action.input.required.length > 0) {
      const required = (action.input.required as string[]).map((name) => `"${name}"`).join(', ');
      this.diagnostics.push({ pointer, message: `missing "with": ${step.action} needs input ${required}` });
    }
    return resolved;
  }

  /** Validates the literal parts of an action input; values computed by expressions are checked at run time. */
  private checkLiteralInput(input: unknown, schema: Record<string, unknown>, pointer: string): void {
    if (holdsExpression(input)) return;
    const validate = compileSchema(schema);
    if (validate(input)) return;
    const literalErrors = (validate.errors ?? []).filter((error) => !dependsOnExpression(input, error.instancePath));
    for (const d of schemaDiagnostics(literalErrors, input)) this.diagnostics.push({ pointer: pointer + d.pointer, message: d.message });
  }
}

const TIMESTAMP = { type: 'string', format: 'date-time' };
const TIMESTAMP_WITHOUT_ZONE = { type: 'string', format: 'iso-date-time' };

function unknownConnection(name: string, connections: Record<string, ConnectionConfig>): string {
  const known = Object.keys(connections);
  return `unknown connection "${name}": add it under "connections" in staffwire.config.json (configured: ${known.join(', ') || 'none'})`;
}

/** Every string inside a JSON value, with its pointer relative to the value. */
function stringsIn(value: unknown, at = ''): [string, string][] {
  if (typeof value === 'string') return [[at, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => stringsIn(v, `${at}/${escapePointer(key)}`));
}

function allIdsOf(step: Step): string[] {
  return childBlocks(step, '').flatMap(([, children]) => allIds(children));
}

/** True when the value at `pointer`, or any value it contains or is contained in, is an expression. */
function dependsOnExpression(root: unknown, pointer: string): boolean {
  let value = root;
  if (holdsExpression(value)) return true;
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (holdsExpression(value)) return true;
  }
  return false;
}
