import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';

/** `staffwire run <flow>`: a folder is refused as one, naming flow files in it. */
export function parseRunTarget(value: string): string {
  const path = resolve(value);
  if (existsSync(path) && statSync(path).isDirectory()) {
    const flows = readdirSync(path).filter((name) => name.endsWith('.json')).sort().slice(0, 3);
    const example = flows.length > 0 ? ` (e.g. ${flows.map((f) => join(value, f)).join(', ')})` : '';
    throw new InvalidArgumentError(`${value} is a folder: name a flow file in it${example}, or a flow id`);
  }
  return value;
}
