import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConnections } from '../../src/config/check-connections.js';
import { loadConfig, type StaffwireConfig } from '../../src/config/config.js';
import { discoverConnectors, type ConnectorRegistry } from '../../src/connector-kit/registry.js';
import { DEFAULT_EXPRESSION_LIMITS } from '../../src/engine/expressions/expression.js';
import { checkFlowText, formatProblem } from '../../src/engine/validate/validate-flow.js';

/** The README's JSON examples, as printed: flows (their `$schema` names the flow schema) and the configuration. */
const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
const flows = blocks.filter((b) => b.includes('"$schema": "../schemas/flow.schema.json"'));
const configs = blocks.filter((b) => b.includes('"$schema": "./schemas/config.schema.json"'));

let dir: string;
let config: StaffwireConfig;
let connectors: ConnectorRegistry;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-readme-'));
  writeFileSync(join(dir, 'staffwire.config.json'), configs[0]!);
  config = loadConfig(join(dir, 'staffwire.config.json'), {});
  connectors = await discoverConnectors();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the README examples', () => {
  it('hold one configuration and several flows', () => {
    expect(configs).toHaveLength(1);
    expect(flows.length).toBeGreaterThanOrEqual(4);
  });

  it('has a configuration that loads and whose connections fit their connectors', () => {
    expect(() => checkConnections(config, connectors)).not.toThrow();
    expect(config.server.tokens.map((t) => t.role)).toEqual(['operator']);
  });

  it.each(flows.map((text) => [(JSON.parse(text) as { id: string }).id, text]))('has flow %s valid against that configuration', (id, text) => {
    const { problems } = checkFlowText(text, `README.md (${id})`, { connectors, connections: config.connections, limits: DEFAULT_EXPRESSION_LIMITS });
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it('schedules and runs only flows that it shows', () => {
    const ids = new Set(flows.map((text) => (JSON.parse(text) as { id: string }).id));
    const started = flows.flatMap((text) => [...text.matchAll(/"kind": "(?:schedule|run)", "flow": "([^"]+)"/g)].map((m) => m[1]!));
    expect(started.length).toBeGreaterThan(0);
    for (const id of started) expect(ids).toContain(id);
  });
});
