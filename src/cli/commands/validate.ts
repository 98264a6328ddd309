import { existsSync, readFileSync, statSync } from 'node:fs';
import { discoverConnectors } from '../../connector-kit/registry.js';
import { checkConnections } from '../../config/check-connections.js';
import { engineLimitsOf, loadConfig } from '../../config/config.js';
import { UsageError } from '../../errors/index.js';
import { checkFlowBytes, formatProblem } from '../../engine/validate/validate-flow.js';

/** Exit 0 when every file is valid, 1 when any is not. Missing files are a usage error (2). */
export async function validateCommand(files: string[], options: { config?: string }): Promise<number> {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new UsageError(`no such file: ${missing.join(', ')}`);
  const folders = files.filter((f) => statSync(f).isDirectory());
  if (folders.length > 0) throw new UsageError(`${folders.join(', ')} is a folder: name the flow files, e.g. ${folders[0]}/*.json`);
  const config = loadConfig(options.config);
  const connectors = await discoverConnectors();
  checkConnections(config, connectors);
  const env = {
    connectors,
    connections: config.connections,
    limits: engineLimitsOf(config).expression,
  };
  let invalid = 0;
  for (const file of files) {
    const { problems } = checkFlowBytes(readFileSync(file), file, env);
    if (problems.length === 0) {
      console.log(`${file}  ok`);
      continue;
    }
    invalid++;
    for (const problem of problems) console.log(formatProblem(problem));
  }
  if (files.length > 1 || invalid > 0) console.error(`${files.length - invalid} valid, ${invalid} invalid`);
  return invalid > 0 ? 1 : 0;
}
