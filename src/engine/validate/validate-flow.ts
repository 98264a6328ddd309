import { schemaValidator } from '../../schemas.js';
import { compileFlow, type CompileEnvironment, type Diagnostic } from '../compile-flow.js';
import type { CompiledFlow } from '../compiled-flow.js';

import type { FlowDefinition } from '../flow-types.js';
import { JsonTextError } from '../../errors/json-text-error.js';
import { findTooDeepOffsetInText, tooDeepMessage } from '../../json/json-depth.js';
import { decodeUtf8 } from '../../json/utf8.js';
import { JsonLocator, parseJsonWithLocations } from './json-locator.js';
import { schemaDiagnostics } from './schema-errors.js';

/** A problem placed in a file: `file:line:col  pointer  message`. */
export interface FlowProblem {
  file: string;
  line: number;
  column: number;
  pointer: string;
  message: string;
}

export interface FlowCheck {
  flow: CompiledFlow | undefined;
  problems: FlowProblem[];
}

export function formatProblem(p: FlowProblem): string {
  return `${p.file}:${p.line}:${p.column}  ${p.pointer || '/'}  ${p.message}`;
}

/** A flow file as read from disk: first its bytes must be UTF-8 (a BOM is skipped), then as checkFlowText. */
export function checkFlowBytes(bytes: Uint8Array, file: string, env: CompileEnvironment): FlowCheck {
  let text: string;
  try {
    text = decodeUtf8(bytes, file);
  } catch (err) {
    if (!(err instanceof JsonTextError)) throw err;
    return { flow: undefined, problems: [{ file, line: err.line, column: err.column, pointer: '', message: err.problem }] };
  }
  return checkFlowText(text, file, env);
}

/**
 * Every check `staffwire validate` makes, in order: nesting depth (before any recursive parser
 * sees the text), JSON syntax, the schema, then the flow's meaning.
 */
export function checkFlowText(text: string, file: string, env: CompileEnvironment): FlowCheck {
  const tooDeep = tooDeepProblem(text, file);
  if (tooDeep) return { flow: undefined, problems: [tooDeep] };
  const parsed = parseJsonWithLocations(text);
  if (parsed.syntaxError) {
    const { line, column } = parsed.locator.at(parsed.syntaxError.offset);
    return { flow: undefined, problems: [{ file, line, column, pointer: '', message: parsed.syntaxError.message }] };
  }
  const validate = schemaValidator('flow');
  const diagnostics = validate(parsed.value)
    ? compileFlow(parsed.value as FlowDefinition, env)
    : { flow: undefined, diagnostics: withMeaningProblems(schemaDiagnostics(validate.errors ?? [], parsed.value), parsed.value, env) };
  const problems = diagnostics.diagnostics.map((d) => ({ file, ...parsed.locator.locate(d.pointer, d.offset), pointer: d.pointer, message: d.message }));
  for (const duplicate of parsed.duplicateKeys) {
    problems.push({
      file,
      ...parsed.locator.at(duplicate.offset),
      pointer: duplicate.pointer,
      message: `duplicate property "${duplicate.name}" (first at line ${parsed.locator.at(duplicate.firstOffset).line}): JSON keeps only the last one, so remove one`,
    });
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { flow: problems.length === 0 ? diagnostics.flow : undefined, problems };
}

/**
 * A flow that breaks the schema is still compiled, so one misspelt property does not hide an
 * unknown connection or a bad expression elsewhere. What the compiler says about a place the
 * schema already faulted (or a place inside or around it) is left out: the schema's message is
 * the one to act on there. A shape too broken to compile keeps the schema's messages alone.
 */
function withMeaningProblems(schemaProblems: Diagnostic[], value: unknown, env: CompileEnvironment): Diagnostic[] {
  let meaning: Diagnostic[];
  try {
    meaning = compileFlow(value as FlowDefinition, env).diagnostics;
  } catch {
    return schemaProblems;
  }
  const faulted = schemaProblems.map((d) => d.pointer);
  // A fault of the whole flow (a missing top-level property) sits at the root: it hides nothing below it.
  const related = (at: string, fault: string) => at === fault || (fault !== '' && (at.startsWith(`${fault}/`) || fault.startsWith(`${at}/`)));
  return [...schemaProblems, ...meaning.filter((d) => !faulted.some((fault) => related(d.pointer, fault)))];
}

function tooDeepProblem(raw: string, file: string): FlowProblem | undefined {
  // Positions as parseJsonWithLocations counts them: after a byte order mark.
  const text = raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
  const offset = findTooDeepOffsetInText(text);
  if (offset === undefined) return undefined;
  return { file, ...new JsonLocator(text, undefined).at(offset), pointer: '', message: tooDeepMessage() };
}
