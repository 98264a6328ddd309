import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../../errors/index.js';
import { JsonTextError } from '../../errors/json-text-error.js';
import { parseJsonWithLocations } from '../../engine/validate/json-locator.js';
import { decodeJsonText } from '../../json/json-text.js';

/** `--input file` or `--input -` (standard input); no option means `{}`. */
export function readInput(source: string | undefined): unknown {
  if (source === undefined) return {};
  const name = source === '-' ? 'standard input' : source;
  if (source !== '-' && !existsSync(source)) throw new UsageError(`input file ${source} does not exist`);
  const parsed = parseJsonWithLocations(readJsonText(readFileSync(source === '-' ? 0 : source), name));
  if (parsed.syntaxError) {
    const { line, column } = parsed.locator.at(parsed.syntaxError.offset);
    throw new UsageError(`${name}:${line}:${column}  ${parsed.syntaxError.message}`);
  }
  return parsed.value;
}

/** UTF-8 and not too deep, or a usage error saying where it is not. */
function readJsonText(bytes: Uint8Array, name: string): string {
  try {
    return decodeJsonText(bytes, name);
  } catch (err) {
    throw err instanceof JsonTextError ? new UsageError(err.message) : err;
  }
}
