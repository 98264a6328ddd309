import type { AddressInfo } from 'node:net';
import { discoverConnectors } from '../../connector-kit/registry.js';
import { UsageError } from '../../errors/index.js';
import type { SandboxCredentials } from '../../sandbox/sandbox-context.js';
import { credentialEnvName, sandboxCredentialsFromEnv } from '../../sandbox/sandbox-credentials.js';
import { sandboxConnections } from '../../sandbox/sandbox-connections.js';
import { createSandbox } from '../../sandbox/sandbox-server.js';
import { companySummary } from '../../sandbox/sandbox-state.js';
import { DEFAULT_COMPANY_SEED, seedCompany, type SeededCompany } from '../../sandbox/seed-company.js';
import { seedSummary, type SeedSummary } from '../../sandbox/seed-listing.js';
import { readSeededCompanyFile } from '../../sandbox/seed-company-file.js';

export interface SandboxCommandOptions {
  port: string;
  host: string;
  seed: string;
  tokenTtl: string;
  /** Print what the fakes hold (the summary of GET /_sandbox/seed) and exit without listening. */
  printSeed?: boolean;
  /** With printSeed: the summary as JSON. */
  json?: boolean;
}

const MAX_SEEDED_EMPLOYEES = 1_000_000;
/** Lark never issues a tenant token for longer. */
const MAX_TOKEN_TTL_SECONDS = 7200;

/**
 * Serves every connector's fake on one port until SIGINT/SIGTERM, after printing what a
 * connection needs to point at it. The first line, `… listening on <url>`, is for scripts.
 */
export async function sandboxCommand(options: SandboxCommandOptions): Promise<number> {
  if (options.printSeed) return printSeedCommand(options);
  const port = wholeNumber(options.port, '--port', 0, 65_535);
  const tokenTtlSeconds = wholeNumber(options.tokenTtl, '--token-ttl', 1, MAX_TOKEN_TTL_SECONDS);
  const { company, described } = loadSeed(options.seed);
  const credentials = sandboxCredentialsFromEnv();
  // Listening for the signals before anything is printed: a script that stops the sandbox as soon
  // as it reads the address must not kill it by default action. The listening server, not these
  // listeners, keeps the process alive.
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const sandbox = await createSandbox({ company, credentials, tokenTtlSeconds });
  try {
    await sandbox.app.listen({ port, host: options.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${options.host} is in use: stop what holds it, or pass another --port (0 picks a free one)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${options.host} is not an address of this machine`);
    throw err;
  }
  const address = sandbox.app.server.address() as AddressInfo;
  const reachableHost = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  const baseUrl = `http://${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${address.port}`;

  console.log(`staffwire sandbox listening on ${baseUrl}`);
  const summary = companySummary(company);
  console.log(
    `  company    ${summary.name}: ${summary.employees} employees, ${summary.departments} departments, ${summary.offers} offers, ${summary.workLocations} work locations (${described})`,
  );
  console.log(`  fakes      ${[...sandbox.modules.keys()].join(', ')}`);
  console.log(`  tokens     Lark tenant tokens live ${tokenTtlSeconds} s`);
  console.log('');
  printCredentials(credentials);
  console.log('');
  await printConnections(baseUrl, credentials);
  console.log('');
  console.log(`Control: GET ${baseUrl}/_sandbox/seed, /_sandbox/state, POST /_sandbox/faults, /_sandbox/events, /_sandbox/reset. Ctrl-C stops.`);

  await stopRequested;
  await sandbox.app.close();
  console.error('staffwire sandbox stopped');
  return 0;
}

/** `--print-seed`: the fakes are built, asked what they hold and closed; nothing listens, so no port is needed. */
async function printSeedCommand(options: SandboxCommandOptions): Promise<number> {
  const { company, described } = loadSeed(options.seed);
  const sandbox = await createSandbox({ company, credentials: sandboxCredentialsFromEnv() });
  try {
    const summary = seedSummary(sandbox.context, sandbox.modules);
    if (options.json) console.log(JSON.stringify(summary, null, 2));
    else console.log(seedSummaryText(summary, described));
  } finally {
    await sandbox.app.close();
  }
  return 0;
}

/** The seed summary as text: the company, then per section its title, a table of its first items and where the rest are. */
export function seedSummaryText(summary: SeedSummary, described: string): string {
  const c = summary.company;
  const lines = [`${c.name}: ${c.employees} employees, ${c.departments} departments, ${c.offers} offers, ${c.workLocations} work locations (${described})`];
  for (const [name, page] of Object.entries(summary.sections)) {
    lines.push('', `${name} (${page.connector}): ${page.total} — ${page.title}`);
    if (page.note) lines.push(`  ${page.note}`);
    if (page.items.length > 0) {
      const columns = page.columns;
      const rows = [columns, ...page.items.map((item) => columns.map((column, i) => seedCell(item[column], i < columns.length - 1)))];
      const widths = columns.map((_, i) => Math.max(...rows.map((row) => displayWidth(row[i]!))));
      for (const row of rows) lines.push(`  ${row.map((cell, i) => (i === row.length - 1 ? cell : padDisplay(cell, widths[i]!))).join('  ')}`.trimEnd());
    }
    const rest = page.total - page.offset - page.items.length;
    if (rest > 0 && page.next) lines.push(`  … ${rest} more: GET ${page.next}`);
  }
  lines.push('', 'Every field of every item: --print-seed --json, or GET /_sandbox/seed?section=<name>&limit=50&offset=0 (&q=text) on a running sandbox.');
  return lines.join('\n');
}

const MAX_CELL_WIDTH = 48;

/** A value as a table cell; cells before the last are cut to MAX_CELL_WIDTH, so the columns stay readable. */
function seedCell(value: unknown, cut: boolean): string {
  const text = value === undefined || value === null ? '-' : Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return !cut || displayWidth(text) <= MAX_CELL_WIDTH ? text : `${[...text].slice(0, MAX_CELL_WIDTH - 1).join('')}…`;
}

/** Columns a string takes in a terminal: CJK and full-width characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u.test(char) ? 2 : 1;
  return width;
}

function padDisplay(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

function loadSeed(seed: string): { company: SeededCompany; described: string } {
  if (/^\d+$/.test(seed)) {
    const employees = wholeNumber(seed, '--seed', 1, MAX_SEEDED_EMPLOYEES);
    return { company: seedCompany({ employees, seed: DEFAULT_COMPANY_SEED }), described: `generated, seed "${DEFAULT_COMPANY_SEED}"` };
  }
  return { company: readSeededCompanyFile(seed), described: `from ${seed}` };
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${flag} expects a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return value;
}

const CREDENTIAL_LABELS: Record<string, string> = {
  appId: 'App ID',
  appSecret: 'App Secret',
  verificationToken: 'Verification Token',
  encryptKey: 'Encrypt Key',
  tenantKey: 'tenant key',
  accountId: 'account id',
  accessToken: 'access token',
  connectSecret: 'Connect HMAC key',
};

function printCredentials(credentials: SandboxCredentials): void {
  const vendors: [keyof SandboxCredentials, string][] = [
    ['lark', 'Lark app (every lark-* connection)'],
    ['docusign', 'DocuSign account'],
  ];
  for (const [vendor, title] of vendors) {
    console.log(title);
    for (const [key, value] of Object.entries(credentials[vendor])) {
      console.log(`  ${(CREDENTIAL_LABELS[key] ?? key).padEnd(20)} ${value.padEnd(38)} env ${credentialEnvName(vendor, key)}`);
    }
  }
}

/** The connections block for `staffwire.config.json`, with the variables that hold its secrets. */
async function printConnections(baseUrl: string, credentials: SandboxCredentials): Promise<void> {
  const ids = (await discoverConnectors()).list().map((manifest) => manifest.id);
  const { connections, secrets } = sandboxConnections(baseUrl, credentials, ids);
  const exports = Object.entries(secrets).map(([name, value]) => `${name}=${value}`);
  console.log('Connections for staffwire.config.json, with the secrets exported:');
  console.log(`  export ${exports.map(shellQuote).join(' ')}`);
  const lines = Object.entries(connections).map(([name, connection]) => `      ${JSON.stringify(name)}: ${JSON.stringify(connection)}`);
  console.log(`  {\n    "connections": {\n${lines.join(',\n')}\n    }\n  }`);
}

function shellQuote(assignment: string): string {
  const [name, value] = [assignment.slice(0, assignment.indexOf('=')), assignment.slice(assignment.indexOf('=') + 1)];
  return /^[\w@%+=:,./-]+$/.test(value) ? assignment : `${name}='${value.replaceAll("'", "'\\''")}'`;
}
