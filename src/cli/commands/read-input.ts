import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../../errors/index.js';
import { parseJsonWithLocations } from '../../engine/validate/json-locator.js';

/** `--input file` or `--input -` (standard input); no option means `{}`. */
export function readInput(source: string | undefined): unknown {
  if (source === undefined) return {};
  const name = source === '-' ? 'standard input' : source;
  if (source !== '-' && !existsSync(source)) throw new UsageError(`input file ${source} does not exist`);
  const text = readFileSync(source === '-' ? 0 : source, 'utf8');
  const parsed = parseJsonWithLocations(text);
  if (parsed.syntaxError) {
    const { line, column } = parsed.locator.at(parsed.syntaxError.offset);
    throw new UsageError(`${name}:${line}:${column}  ${parsed.syntaxError.message}`);
  }
  return parsed.value;
}
