import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConnections } from '../../config/check-connections.js';
import { engineLimitsOf, loadConfig, type StaffwireConfig } from '../../config/config.js';
import { discoverConnectors, type ConnectorRegistry } from '../../connector-kit/registry.js';
import { UsageError } from '../../errors/index.js';
import { checkFlowBytes, formatProblem } from '../../engine/validate/validate-flow.js';
import { count, messageOf, type DoctorCheck } from './doctor-check.js';

export interface ConfigCheckOutcome {
  checks: DoctorCheck[];
  /** What the other checks work from; undefined when the configuration did not load. */
  loaded: LoadedConfig | undefined;
}

export interface LoadedConfig {
  config: StaffwireConfig;
  connectors: ConnectorRegistry;
  /** Connections whose settings match their connector's manifest: the ones worth checking against the vendor. */
  validConnections: string[];
}

/**
 * The configuration as `serve` would load it, the flows in its flow folders as `staffwire
 * validate` checks them, and its connections against the connectors' manifests — with the same
 * functions and so the same messages as those commands.
 */
export async function checkConfiguration(configFile: string | undefined, env: NodeJS.ProcessEnv): Promise<ConfigCheckOutcome> {
  let config: StaffwireConfig;
  try {
    config = loadConfig(configFile, env);
  } catch (err) {
    // The loader says where on the first line and lists one problem per line after it.
    const [where = '', ...problems] = messageOf(err).split('\n');
    return {
      checks: [
        {
          group: 'config',
          name: 'configuration',
          status: 'fail',
          finding: where.replace(/:$/, ''),
          fix: 'correct what the message names: the file (schemas/config.schema.json describes it), --config, or the environment variable',
          ...(problems.length > 0 ? { details: problems.map((line) => line.trim()) } : {}),
        },
      ],
      loaded: undefined,
    };
  }
  const loadedCheck: DoctorCheck = config.file
    ? { group: 'config', name: 'configuration', status: 'ok', finding: `${config.file} loads and is valid` }
    : { group: 'config', name: 'configuration', status: 'ok', finding: 'no staffwire.config.json here and none named: running on defaults and the environment' };
  let connectors: ConnectorRegistry;
  try {
    connectors = await discoverConnectors();
  } catch (err) {
    return {
      checks: [loadedCheck, { group: 'config', name: 'connectors', status: 'fail', finding: `the installed connectors cannot be loaded: ${messageOf(err)}`, fix: 'reinstall Staffwire' }],
      loaded: undefined,
    };
  }
  const connections = connectionsCheck(config, connectors);
  return {
    checks: [loadedCheck, flowsCheck(config, connectors), connections.check],
    loaded: { config, connectors, validConnections: connections.valid },
  };
}

function flowsCheck(config: StaffwireConfig, connectors: ConnectorRegistry): DoctorCheck {
  const env = { connectors, connections: config.connections, limits: engineLimitsOf(config).expression };
  const missing = config.flowDirs.filter((dir) => !existsSync(dir));
  const files = config.flowDirs
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).filter((name) => name.endsWith('.json')).sort().map((name) => join(dir, name)));
  const problems: string[] = [];
  const invalid: string[] = [];
  const fileById = new Map<string, string>();
  const shadowed: string[] = [];
  for (const file of files) {
    const { flow, problems: found } = checkFlowBytes(readFileSync(file), file, env);
    if (found.length > 0) {
      invalid.push(file);
      problems.push(...found.map(formatProblem));
      continue;
    }
    const id = flow!.definition.id;
    const first = fileById.get(id);
    // Lookups by id take the first file holding it (FlowFiles), so the later one never runs.
    if (first !== undefined) shadowed.push(`${file}  flow id "${id}" is already defined by ${first}, which wins`);
    else fileById.set(id, file);
  }
  const where = config.flowDirs.join(', ');
  if (invalid.length > 0) {
    return {
      group: 'config',
      name: 'flows',
      status: 'fail',
      finding: `problems in ${invalid.length} of ${count(files.length, 'flow file')} in ${where}: ${invalid.join(', ')}`,
      fix: 'correct each problem listed (`staffwire validate <file>` checks one file again)',
      details: [...problems, ...shadowed],
    };
  }
  if (missing.length > 0 || shadowed.length > 0) {
    return {
      group: 'config',
      name: 'flows',
      status: 'warn',
      finding:
        missing.length > 0
          ? `no folder ${missing.join(', ')} (flowDirs); ${count(files.length, 'flow')} in the others`
          : `the same flow id in more than one file (${count(shadowed.length, 'file')} never used)`,
      fix: missing.length > 0 ? 'create the folder, or correct flowDirs in the configuration' : 'give every flow an id of its own, or remove the copy',
      ...(shadowed.length > 0 ? { details: shadowed } : {}),
    };
  }
  const finding = files.length === 0 ? `no flow files in ${where}` : `${count(files.length, 'flow')} in ${where}, all valid`;
  return { group: 'config', name: 'flows', status: 'ok', finding };
}

/** Each connection checked alone, so one bad connection does not keep the others from their vendor check. */
function connectionsCheck(config: StaffwireConfig, connectors: ConnectorRegistry): { check: DoctorCheck; valid: string[] } {
  const valid: string[] = [];
  const invalid: string[] = [];
  const problems: string[] = [];
  for (const [name, connection] of Object.entries(config.connections)) {
    try {
      checkConnections({ ...config, connections: { [name]: connection } }, connectors);
      valid.push(name);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      invalid.push(name);
      // The first line says where; the lines after it are the problems, one each.
      problems.push(...err.message.split('\n').slice(1).map((line) => line.trim()));
    }
  }
  const total = Object.keys(config.connections).length;
  const where = config.file ?? 'the configuration';
  if (invalid.length > 0) {
    return {
      check: {
        group: 'config',
        name: 'connections',
        status: 'fail',
        finding: `invalid connections in ${where}: ${invalid.join(', ')}`,
        fix: 'correct each setting listed; secrets must be {"env": "NAME"} references, and `staffwire connectors show <id>` lists what a connector takes',
        details: problems,
      },
      valid,
    };
  }
  const finding = total === 0 ? 'no connections configured' : `${count(total, 'connection')}, each valid for its connector`;
  return { check: { group: 'config', name: 'connections', status: 'ok', finding }, valid };
}
