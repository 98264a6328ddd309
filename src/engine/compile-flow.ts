import { createHash } from 'node:crypto';
import type { ConnectorRegistry } from '../connector-kit/registry.js';
import type { ConnectionConfig } from '../connector-kit/connection.js';
import { compileSchema } from '../schemas.js';
import type { CompiledFlow, CompiledStep } from './compiled-flow.js';
import type { ExpressionLimits } from './expressions/expression.js';
import { compileValue, escapePointer, holdsExpression, TemplateCompileError, type CompiledValue } from './expressions/template.js';
import type { FlowDefinition, RetryPolicy, Step } from './flow-types.js';
import { parseDuration } from './retry/duration.js';
import { resolveRetryPolicy } from './retry/retry-policy.js';

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
  pointer: string;
  /** Ids of the enclosing container steps, outermost first. */
  ancestors: string[];
  /** The nearest enclosing `for`, if any. */
  loop: string | undefined;
  /** The enclosing parallel branch, as `<parallel id>.<branch>`, if any. */
  branches: string[];
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
  collectPlaces(definition.steps, '/steps', [], undefined, [], places, diagnostics);

  const flowRetry = definition.retry ? resolveRetryPolicy(definition.retry) : undefined;
  const compiler = new StepCompiler(env, diagnostics, places, flowRetry);
  const steps = compiler.block(definition.steps, '/steps', new Set(), []);
  const output =
    definition.output === undefined
      ? undefined
      : compiler.value(definition.output, '/output', new Set(allIds(definition.steps)), []);
  if (diagnostics.length > 0) return { flow: undefined, diagnostics };
  const content = JSON.stringify(definition);
  return {
    flow: { definition, content, hash: hashFlowContent(content), steps, output },
    diagnostics,
  };
}

export function hashFlowContent(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

function collectPlaces(
  steps: Step[],
  pointer: string,
  ancestors: string[],
  loop: string | undefined,
  branches: string[],
  places: Map<string, StepPlace>,
  diagnostics: Diagnostic[],
): void {
  steps.forEach((step, i) => {
    const here = `${pointer}/${i}`;
    const previous = places.get(step.id);
    if (previous) {
      diagnostics.push({ pointer: `${here}/id`, message: `step id "${step.id}" is already used at ${previous.pointer}` });
    } else {
      places.set(step.id, { pointer: here, ancestors, loop, branches });
    }
    const inner = [...ancestors, step.id];
    for (const [childPointer, children, childBranches] of childBlocks(step, here, branches)) {
      collectPlaces(children, childPointer, inner, step.kind === 'for' ? step.id : loop, childBranches, places, diagnostics);
    }
  });
}

function childBlocks(step: Step, pointer: string, branches: string[]): [string, Step[], string[]][] {
  switch (step.kind) {
    case 'switch':
      return [
        ...step.cases.map((c, i) => [`${pointer}/cases/${i}/steps`, c.steps, branches] as [string, Step[], string[]]),
        ...(step.default ? [[`${pointer}/default`, step.default, branches] as [string, Step[], string[]]] : []),
      ];
    case 'for':
      return [[`${pointer}/steps`, step.steps, branches]];
    case 'parallel':
      return Object.entries(step.branches).map(([name, children]) => [
        `${pointer}/branches/${escapePointer(name)}`,
        children,
        [...branches, `${step.id}.${name}`],
      ]);
    case 'try':
      return [
        [`${pointer}/steps`, step.steps, branches],
        [`${pointer}/catch`, step.catch, branches],
      ];
    default:
      return [];
  }
}

function allIds(steps: Step[]): string[] {
  return steps.flatMap((step) => [step.id, ...childBlocks(step, '', []).flatMap(([, children]) => allIds(children))]);
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
      this.diagnostics.push({ pointer: pointer + err.pointer, message: err.message, offset: err.offset });
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
    if (enclosing.includes(id)) return `$steps.${id} refers to a step that encloses this one and has not finished yet`;
    if (!visible.has(id)) {
      const here = this.placeOfPointer(pointer);
      const sharedParallel = place.branches.find((b) => !here.includes(b) && here.some((h) => h.split('.')[0] === b.split('.')[0]));
      if (sharedParallel) return `$steps.${id} refers to a step in another branch of parallel step "${sharedParallel.split('.')[0]}", which runs at the same time`;
      return `$steps.${id} refers to step "${id}", which runs later (at ${place.pointer})`;
    }
    if (place.loop !== undefined && !enclosing.includes(place.loop)) {
      return `$steps.${id} refers to a step inside for loop "${place.loop}"; after the loop, read $steps.${place.loop} (one output per item)`;
    }
    return undefined;
  }

  /** Parallel branches enclosing a pointer, found from the places of the steps on its path. */
  private placeOfPointer(pointer: string): string[] {
    let best: StepPlace | undefined;
    for (const place of this.places.values()) {
      if (pointer.startsWith(`${place.pointer}/`) && (!best || place.pointer.length > best.pointer.length)) best = place;
    }
    if (!best) return [];
    const parallelHere = /\/branches\/([^/]+)\//.exec(pointer.slice(best.pointer.length));
    const ownId = [...this.places.entries()].find(([, p]) => p === best)?.[0];
    return parallelHere && ownId ? [...best.branches, `${ownId}.${parallelHere[1]}`] : best.branches;
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
    if (!holdsExpression(until) && Number.isNaN(Date.parse(until))) {
      this.diagnostics.push({ pointer, message: `"${until}" is not an ISO 8601 timestamp (e.g. 2025-03-01T09:00:00Z)` });
    }
    return this.value(until, pointer, visible, enclosing);
  }

  private resolveAction(step: Extract<Step, { kind: 'call' }>, pointer: string) {
    const dot = step.action.indexOf('.');
    const connectorId = step.action.slice(0, dot);
    const actionName = step.action.slice(dot + 1);
    const resolved = { connector: connectorId, action: actionName, connection: step.connection, sideEffect: true };
    const connector = this.env.connectors.get(connectorId);
    if (!connector) {
      const known = this.env.connectors.list().map((m) => m.id);
      this.diagnostics.push({
        pointer: `${pointer}/action`,
        message: `unknown connector "${connectorId}" (known connectors: ${known.join(', ') || 'none'})`,
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
        const known = Object.keys(this.env.connections);
        this.diagnostics.push({
          pointer: `${pointer}/connection`,
          message: `unknown connection "${step.connection}": add it under "connections" in staffwire.config.json (configured: ${known.join(', ') || 'none'})`,
        });
      } else if (connection.connector !== connectorId) {
        this.diagnostics.push({
          pointer: `${pointer}/connection`,
          message: `connection "${step.connection}" is a ${connection.connector} connection, but ${step.action} needs a ${connectorId} connection`,
        });
      }
    } else if (connector.manifest.connection.required) {
      this.diagnostics.push({ pointer, message: `${step.action} needs a connection: set "connection" to a ${connectorId} connection` });
    }
    if (step.with !== undefined) this.checkLiteralInput(step.with, action.input, `${pointer}/with`);
    return resolved;
  }

  /** Validates the literal parts of an action input; values computed by expressions are checked at run time. */
  private checkLiteralInput(input: unknown, schema: Record<string, unknown>, pointer: string): void {
    if (holdsExpression(input)) return;
    const validate = compileSchema(schema);
    if (validate(input)) return;
    for (const error of validate.errors ?? []) {
      const at = error.instancePath;
      if (dependsOnExpression(input, at)) continue;
      const params = error.params as Record<string, unknown>;
      if (error.keyword === 'required') {
        this.diagnostics.push({ pointer: pointer + at, message: `missing required input "${String(params.missingProperty)}"` });
      } else if (error.keyword === 'additionalProperties') {
        this.diagnostics.push({
          pointer: `${pointer}${at}/${escapePointer(String(params.additionalProperty))}`,
          message: `unknown input "${String(params.additionalProperty)}" for this action`,
        });
      } else {
        this.diagnostics.push({ pointer: pointer + at, message: `${error.message ?? 'is invalid'}, got ${describeValue(valueAt(input, at))}` });
      }
    }
  }
}

function allIdsOf(step: Step): string[] {
  return childBlocks(step, '', []).flatMap(([, children]) => allIds(children));
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

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const segment of pointer.split('/').slice(1)) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  }
  return value;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} (${String(value)})`;
}

/** The candidate within edit distance 2, for "did you mean". */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}
