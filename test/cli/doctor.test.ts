import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorCheck, DoctorSummary } from '../../src/ops/doctor/doctor-check.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../src/sandbox/sandbox-server.js';
import { postgresMigrations } from '../../src/store/postgres/migrate.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrate.js';
import { runCli, type CliResult } from '../support/cli.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { adminClient, dropSchema, freshSchema, openTestStore, TEST_DATABASE_URL } from '../support/postgres.js';
import { emptyCompany, sandboxStarter } from '../support/sandbox-session.js';
import { withStoreFile } from '../support/store-file.js';
import { waitFor } from '../support/wait-for.js';

/**
 * `staffwire doctor` looks at an installation (configuration, flows, store, Redis, each
 * connection) without changing it, and says what to fix: exit 1 when a check fails, 0 otherwise.
 */

const ws = useCliWorkspace('doctor');
const startSandbox = sandboxStarter(emptyCompany('Doctor Inc.'), Date.parse('2030-03-01T09:00:00Z'));

/** What the test runner's environment may set is the config file's to say in these tests. */
const ONLY_THE_FILE = { STAFFWIRE_DATABASE_URL: '', REDIS_URL: '' };

interface DoctorJson {
  ok: boolean;
  configFile: string | null;
  summary: DoctorSummary;
  checks: DoctorCheck[];
}

async function doctor(args: string[] = [], env: NodeJS.ProcessEnv = {}, config = ws.config): Promise<CliResult> {
  const result = await runCli(['doctor', ...args, '--config', config], { env: { ...ONLY_THE_FILE, ...env } });
  // Whatever went wrong, it is reported, never thrown.
  expect(`${result.stdout}${result.stderr}`).not.toMatch(/^\s+at /m);
  return result;
}

async function doctorJson(env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; report: DoctorJson; check(name: string): DoctorCheck }> {
  const result = await doctor(['--json'], env);
  const report = JSON.parse(result.stdout) as DoctorJson;
  return {
    code: result.code,
    report,
    check(name) {
      const found = report.checks.find((c) => c.name === name);
      if (!found) throw new Error(`no check "${name}" in ${report.checks.map((c) => c.name).join(', ')}`);
      return found;
    },
  };
}

/** A loopback port nothing listens on: closed to connect to, free to listen on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const helloFlow = { id: 'hello', version: '1', steps: [{ id: 'done', kind: 'return', output: { greeting: 'hello' } }] };

describe('staffwire doctor on an embedded installation', () => {
  it('passes: configuration, flows and the SQLite store ok, Redis skipped, the connection reached; and creates nothing', async () => {
    ws.file('flows/hello.json', helloFlow);
    const result = await doctor();
    expect(result.code, result.stdout).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}✓ ok {4}configuration .* loads and is valid$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}✓ ok {4}flows +1 flow in .*flows, all valid$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}✓ ok {4}store +SQLite store .*staffwire\.db: not created yet/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}- skip {2}redis +embedded mode/));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ {2}✓ ok {4}connection svc +http: GET ${ws.url} answered HTTP 200$`)));
    expect(lines.at(-2)).toBe('6 ok, 0 warnings, 0 failures (1 skipped)');
    expect(existsSync(ws.database)).toBe(false);
  });

  it('prints a machine-readable report with --json', async () => {
    const { code, report } = await doctorJson();
    expect(code).toBe(0);
    expect(report).toEqual({
      ok: true,
      configFile: ws.config,
      summary: { ok: 6, warn: 0, fail: 0, skip: 1 },
      checks: [
        { group: 'config', name: 'configuration', status: 'ok', finding: `${ws.config} loads and is valid` },
        { group: 'config', name: 'flows', status: 'ok', finding: expect.stringContaining('no flow files in') },
        { group: 'config', name: 'connections', status: 'ok', finding: '1 connection, each valid for its connector' },
        { group: 'store', name: 'store', status: 'ok', finding: expect.stringContaining(ws.database) },
        { group: 'store', name: 'store schema', status: 'ok', finding: expect.any(String) },
        { group: 'redis', name: 'redis', status: 'skip', finding: expect.stringContaining('embedded mode') },
        { group: 'connection', name: 'connection svc', status: 'ok', finding: `http: GET ${ws.url} answered HTTP 200` },
      ],
    });
  });

  it('fails an unknown connector and a broken flow, naming the file and the reason, and checks the connections that are fine', async () => {
    ws.configure({ connections: { svc: { connector: 'http', baseUrl: ws.url }, hr: { connector: 'htpp', baseUrl: ws.url } } });
    const broken = ws.file('flows/broken.json', { id: 'broken', version: '1', steps: [{ id: 'a', kind: 'call', action: 'http.request', connection: 'nowhere', with: { method: 'GET', url: '/x' } }] });
    ws.file('flows/hello.json', helloFlow);
    const { code, check } = await doctorJson();
    expect(code).toBe(1);
    expect(check('flows')).toMatchObject({ status: 'fail', finding: `problems in 1 of 2 flow files in ${ws.dir}/flows: ${broken}` });
    expect(check('flows').details).toEqual([expect.stringMatching(new RegExp(`^${broken}:1:\\d+  /steps/0/connection  unknown connection "nowhere"`))]);
    expect(check('connections')).toMatchObject({ status: 'fail', finding: `invalid connections in ${ws.config}: hr`, fix: expect.stringContaining('connectors show') });
    expect(check('connections').details).toEqual([expect.stringContaining('/connections/hr/connector  unknown connector "htpp" (did you mean "http"?)')]);
    expect(check('connection hr')).toMatchObject({ status: 'skip' });
    expect(check('connection svc')).toMatchObject({ status: 'ok' });
  });

  it('says a SQLite database the store migrated is current, and fails one a newer Staffwire wrote', async () => {
    await withStoreFile(ws.database, async () => undefined);
    const newerFile = join(ws.dir, 'newer-data', 'staffwire.db');
    mkdirSync(dirname(newerFile));
    const db = new Database(newerFile);
    db.pragma(`user_version = ${sqliteMigrations().length + 1}`);
    db.close();
    const [current, newer] = await Promise.all([
      doctorJson(),
      doctor(['--json'], {}, ws.file('newer.json', { dataDir: 'newer-data' })).then((r) => JSON.parse(r.stdout) as DoctorJson),
    ]);
    expect(current.code).toBe(0);
    expect(current.check('store')).toMatchObject({ status: 'ok', finding: `SQLite store ${ws.database} opens and ${ws.dir}/data is writable` });
    expect(current.check('store schema')).toMatchObject({ status: 'ok', finding: `schema version ${sqliteMigrations().length}, the newest this Staffwire knows` });
    expect(newer.checks.find((c) => c.name === 'store schema')).toMatchObject({
      status: 'fail',
      finding: `the store ${newerFile} was upgraded by a newer Staffwire (schema version ${sqliteMigrations().length + 1}; this one knows up to ${sqliteMigrations().length}): upgrade Staffwire, or point dataDir at another folder`,
    });
  });

  it('fails a configuration file that does not load with the loader’s message, and checks nothing that needs it', async () => {
    const unparsable = ws.file('unparsable.json', '{ "dataDir": "data", "connections": { ');
    const invalid = ws.file('invalid.json', { dataDir: 3 });
    const [syntax, schema] = await Promise.all([doctor(['--json'], {}, unparsable), doctor([], {}, invalid)]);
    expect(syntax.code).toBe(1);
    const report = JSON.parse(syntax.stdout) as DoctorJson;
    expect(report.checks[0]).toMatchObject({ name: 'configuration', status: 'fail', finding: expect.stringMatching(new RegExp(`^${unparsable}:1:\\d+ `)), fix: expect.any(String) });
    expect(report.checks.slice(1).map((c) => c.status)).toEqual(['skip', 'skip', 'skip']);
    expect(report.summary).toEqual({ ok: 0, warn: 0, fail: 1, skip: 3 });
    // Each of the loader's problems on a line of its own, under the finding, then what to do.
    expect(schema.code).toBe(1);
    expect(schema.stdout).toMatch(new RegExp(`✗ fail {2}configuration +invalid configuration\\n +${invalid}:1:\\d+ {2}/dataDir {2}expected a string, got number \\(3\\)\\n +fix: `));
  });
});

describe('staffwire doctor on a PostgreSQL store', () => {
  const schemas: string[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map(dropSchema));
  });
  /** A schema migrated by the store itself, as `serve` leaves it. */
  const migratedSchema = async () => {
    const store = await openTestStore({ schema: freshSchema() });
    schemas.push(store.schema);
    await store.close();
    return store.schema;
  };
  const setVersion = async (schema: string, version: number) => {
    const client = await adminClient(schema);
    try {
      await client.query('UPDATE staffwire_schema SET version = $1', [version]);
    } finally {
      await client.end();
    }
  };
  const latest = postgresMigrations().length;

  it('says a schema with every migration applied is current', async () => {
    ws.configure({ store: { url: TEST_DATABASE_URL, schema: await migratedSchema() } });
    const { code, check } = await doctorJson();
    expect(code).toBe(0);
    expect(check('store')).toMatchObject({ status: 'ok', finding: expect.stringContaining('reachable') });
    expect(check('store schema')).toMatchObject({ status: 'ok', finding: `schema version ${latest}, the newest this Staffwire knows` });
  });

  it('fails a schema a newer Staffwire upgraded, and warns of pending migrations without applying them', async () => {
    const [newer, older] = await Promise.all([migratedSchema(), migratedSchema()]);
    await Promise.all([setVersion(newer, latest + 1), setVersion(older, latest - 1)]);
    const [tooNew, pending] = await Promise.all([
      doctor(['--json'], {}, ws.file('newer.json', { dataDir: 'data', store: { url: TEST_DATABASE_URL, schema: newer } })),
      doctor(['--json'], {}, ws.file('older.json', { dataDir: 'data', store: { url: TEST_DATABASE_URL, schema: older } })),
    ]);
    const schemaCheck = (result: CliResult) => (JSON.parse(result.stdout) as DoctorJson).checks.find((c) => c.name === 'store schema');
    expect(tooNew.code).toBe(1);
    expect(schemaCheck(tooNew)).toMatchObject({
      status: 'fail',
      finding: expect.stringContaining(`was upgraded by a newer Staffwire (schema version ${latest + 1}; this one knows up to ${latest})`),
      fix: expect.stringContaining('run the Staffwire that upgraded the store'),
    });
    expect(pending.code).toBe(0);
    expect(schemaCheck(pending)).toMatchObject({
      status: 'warn',
      finding: expect.stringMatching(new RegExp(`^schema version ${latest - 1} of ${latest}: 1 migration pending \\(${String(latest).padStart(3, '0')}-`)),
      fix: expect.stringContaining('applied when serve or worker starts'),
    });
    const client = await adminClient(older);
    try {
      expect((await client.query('SELECT version FROM staffwire_schema')).rows).toEqual([{ version: latest - 1 }]);
    } finally {
      await client.end();
    }
  });
});

describe('staffwire doctor on queue mode’s Redis', () => {
  let redisServer: ChildProcess | undefined;
  afterEach(async () => {
    if (redisServer?.exitCode === null) {
      const exited = new Promise((resolve) => redisServer!.once('exit', resolve));
      redisServer.kill('SIGKILL');
      await exited;
    }
    redisServer = undefined;
  });

  /** A Redis of the test's own, evicting and persisting nothing: the shared one's settings are never touched. */
  async function startRedis(extra: string[] = []): Promise<string> {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru', '--daemonize', 'no', '--dir', ws.dir, ...extra];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    redisServer = child;
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => output.includes('Ready to accept connections') || child.exitCode !== null, 'redis-server to start', 15_000);
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    return `redis://127.0.0.1:${port}`;
  }

  it('fails an evicting Redis with the fix, and passes it once set to noeviction, warning that nothing persists', async () => {
    const url = await startRedis();
    ws.configure({ queue: { redisUrl: url } });
    const evicting = await doctorJson();
    expect(evicting.code).toBe(1);
    expect(evicting.check('redis')).toMatchObject({ status: 'ok', finding: `Redis ${url} answers` });
    expect(evicting.check('redis eviction policy')).toMatchObject({
      status: 'fail',
      finding: expect.stringMatching(/^maxmemory-policy is allkeys-lru: .*BullMQ.*noeviction.*sweeper/),
      fix: expect.stringMatching(/`CONFIG SET maxmemory-policy noeviction`.*`maxmemory-policy noeviction` in redis\.conf/),
    });
    // Queue mode on the SQLite store: serve and worker would refuse to start.
    expect(evicting.check('queue mode store')).toMatchObject({ status: 'fail', fix: expect.stringContaining('needs a PostgreSQL store shared by every process') });

    const redis = new Redis(url);
    try {
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
    } finally {
      redis.disconnect();
    }
    const store = await openTestStore({ schema: freshSchema() });
    await store.close();
    try {
      ws.configure({ queue: { redisUrl: url }, store: { url: TEST_DATABASE_URL, schema: store.schema } });
      const fixed = await doctorJson();
      expect(fixed.code).toBe(0);
      expect(fixed.check('queue mode store')).toMatchObject({ status: 'ok' });
      expect(fixed.check('redis eviction policy')).toMatchObject({ status: 'ok', finding: 'maxmemory-policy noeviction' });
      expect(fixed.check('redis persistence')).toMatchObject({
        status: 'warn',
        finding: expect.stringContaining('neither AOF nor RDB'),
        fix: expect.stringContaining('`CONFIG SET appendonly yes`'),
      });
    } finally {
      await dropSchema(store.schema);
    }
  });

  it('warns that eviction and persistence could not be verified where CONFIG is disabled, as on managed Redis', async () => {
    const url = await startRedis(['--rename-command', 'CONFIG', '']);
    ws.configure({ queue: { redisUrl: url } });
    const { check } = await doctorJson();
    expect(check('redis')).toMatchObject({ status: 'ok' });
    for (const name of ['redis eviction policy', 'redis persistence']) {
      expect(check(name)).toMatchObject({ status: 'warn', finding: expect.stringContaining('could not be verified'), fix: expect.any(String) });
    }
  });
});

describe('staffwire doctor on services that do not answer', () => {
  it('fails an unreachable PostgreSQL and Redis at once, naming each URL without its password', async () => {
    const [pgPort, redisPort] = await Promise.all([freePort(), freePort()]);
    ws.configure({ store: { url: `postgresql://staffwire:s3cret@127.0.0.1:${pgPort}/staffwire` }, queue: { redisUrl: `redis://:r3dis-pw@127.0.0.1:${redisPort}` } });
    const result = await doctor(['--json']);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(/s3cret|r3dis-pw/);
    const checks = (JSON.parse(result.stdout) as DoctorJson).checks;
    const named = (name: string) => checks.find((c) => c.name === name);
    expect(named('store')).toMatchObject({ status: 'fail', finding: expect.stringContaining(`postgresql://staffwire@127.0.0.1:${pgPort}/staffwire (set by store.url in ${ws.config}) cannot be reached`) });
    expect(named('store schema')).toMatchObject({ status: 'skip' });
    expect(named('redis')).toMatchObject({ status: 'fail', finding: expect.stringMatching(new RegExp(`^Redis redis://127\\.0\\.0\\.1:${redisPort} cannot be reached: .*ECONNREFUSED`)) });
    expect(named('redis eviction policy')).toMatchObject({ status: 'skip' });
  });
});

describe('staffwire doctor on connections', () => {
  it('checks each against its vendor: says which answer and gives the vendor’s code and message for those that do not', async () => {
    const larkUrl = await (await startSandbox()).listen();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
    ws.configure({
      connections: {
        svc: { connector: 'http', baseUrl: ws.url },
        lark: { connector: 'lark-contact', baseUrl: larkUrl, appId, appSecret: { env: 'DOCTOR_LARK_SECRET' } },
        refused: { connector: 'lark-contact', baseUrl: larkUrl, appId, appSecret: { env: 'DOCTOR_WRONG_SECRET' } },
        down: { connector: 'http', baseUrl: closed },
        unset: { connector: 'http', baseUrl: ws.url, auth: { type: 'bearer', token: { env: 'DOCTOR_UNSET_TOKEN' } } },
      },
    });
    const { code, check } = await doctorJson({ DOCTOR_LARK_SECRET: appSecret, DOCTOR_WRONG_SECRET: 'not-the-secret', DOCTOR_UNSET_TOKEN: '' });
    expect(code).toBe(1);
    expect(check('connection svc')).toMatchObject({ status: 'ok' });
    expect(check('connection lark')).toMatchObject({ status: 'ok', finding: `lark-contact: Lark issued a tenant token to app ${appId}` });
    expect(check('connection refused')).toMatchObject({
      status: 'fail',
      finding: expect.stringMatching(/^lark-contact: vendor\.10014: .*app secret invalid/),
      fix: expect.stringContaining('staffwire connectors show lark-contact'),
    });
    expect(check('connection down')).toMatchObject({ status: 'fail', finding: expect.stringContaining('ECONNREFUSED') });
    expect(check('connection unset')).toMatchObject({
      status: 'fail',
      finding: expect.stringContaining('connection.secret_missing: connection "unset" needs environment variable DOCTOR_UNSET_TOKEN'),
      fix: expect.stringContaining('export the variable'),
    });
    // svc's check alone reached the server: the one without its secret called nothing.
    expect(ws.server.received).toHaveLength(1);
  });
});
