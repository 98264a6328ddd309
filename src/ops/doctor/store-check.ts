import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StaffwireConfig, StoreConfig } from '../../config/config.js';
import { redactedUrl } from '../../config/redacted-url.js';
import { DatabaseTooNewError, type Migration } from '../../store/migrations.js';
import { checkVersion, sqliteMigrations } from '../../store/sqlite/migrate.js';
import { count, messageOf, type DoctorCheck } from './doctor-check.js';

/** How long reaching PostgreSQL may take before doctor reports it unreachable. */
const POSTGRES_CONNECT_TIMEOUT_MS = 5000;

const PENDING_FIX = 'nothing to do by hand: they are applied when serve or worker starts';

/**
 * The store the configuration selects, looked at and never changed: doctor applies no migration
 * and creates no file, so it is safe to point at a production database.
 */
export function checkStore(config: StaffwireConfig): Promise<DoctorCheck[]> {
  return config.store.url === undefined ? Promise.resolve(checkSqliteStore(config)) : checkPostgresStore(config.store.url, config.store);
}

function checkSqliteStore(config: StaffwireConfig): DoctorCheck[] {
  const file = join(config.dataDir, 'staffwire.db');
  const setting = config.file ? `dataDir in ${config.file} (or STAFFWIRE_DATA_DIR)` : 'dataDir (or STAFFWIRE_DATA_DIR)';
  const writeFix = `give this user write access to ${config.dataDir}, or set ${setting} to a folder it can write`;
  const notChecked = (why: string): DoctorCheck => ({ group: 'store', name: 'store schema', status: 'skip', finding: why });
  const folderProblem = unwritableFolder(config.dataDir);
  if (folderProblem) {
    return [{ group: 'store', name: 'store', status: 'fail', finding: `SQLite store ${file}: ${folderProblem}`, fix: writeFix }, notChecked('not checked: the data folder cannot be used')];
  }
  if (!existsSync(file)) {
    return [
      { group: 'store', name: 'store', status: 'ok', finding: `SQLite store ${file}: not created yet; ${config.dataDir} can hold it` },
      { group: 'store', name: 'store schema', status: 'ok', finding: 'the database is created with the current schema at the first command that writes' },
    ];
  }
  if (!canWrite(file)) {
    return [{ group: 'store', name: 'store', status: 'fail', finding: `SQLite store ${file} is read-only for this user: only \`runs list\` and \`runs show\` would work`, fix: writeFix }, notChecked('not checked: the database cannot be written')];
  }
  let version: number;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      // Reading the catalogue is what fails on a file that is not a SQLite database.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      version = checkVersion(db, file);
    } finally {
      db.close();
    }
  } catch (err) {
    if (err instanceof DatabaseTooNewError) return [storeOk(`SQLite store ${file} opens`), tooNew(err)];
    return [
      { group: 'store', name: 'store', status: 'fail', finding: `SQLite store ${file} cannot be opened: ${messageOf(err)}`, fix: `restore ${file} from a backup, or set ${setting} to another folder to start empty` },
      notChecked('not checked: the database cannot be opened'),
    ];
  }
  return [storeOk(`SQLite store ${file} opens and ${config.dataDir} is writable`), schemaCheck(version, sqliteMigrations())];
}

async function checkPostgresStore(url: string, store: StoreConfig): Promise<DoctorCheck[]> {
  const schema = store.schema ?? 'public';
  const location = redactedUrl(url);
  const setting = store.urlSetting ?? 'store.url';
  const where = `PostgreSQL store ${location}, schema ${schema}`;
  const notChecked: DoctorCheck = { group: 'store', name: 'store schema', status: 'skip', finding: 'not checked: the database cannot be used' };
  // PostgreSQL's client loads only when a database is configured, as the app's store does.
  const [{ checkSchemaName, openPool, PostgresConnection }, { checkSchemaVersion, postgresMigrations }] = await Promise.all([
    import('../../store/postgres/connection.js'),
    import('../../store/postgres/migrate.js'),
  ]);
  try {
    checkSchemaName(schema);
  } catch (err) {
    return [{ group: 'store', name: 'store', status: 'fail', finding: messageOf(err), fix: 'set store.schema to a name of that form' }, notChecked];
  }
  // Read-only transactions: whatever doctor runs there, it cannot change the database.
  const pool = openPool({ url, schema, poolSize: 1, readonly: true, connectTimeoutMs: POSTGRES_CONNECT_TIMEOUT_MS });
  const db = new PostgresConnection(pool, location, setting, 1);
  try {
    try {
      await db.read((q) => q.query('SELECT 1'));
    } catch (err) {
      return [{ group: 'store', name: 'store', status: 'fail', finding: messageOf(err), fix: `start PostgreSQL there, or correct ${setting} (host, port, user, password, database)` }, notChecked];
    }
    try {
      const version = await checkSchemaVersion(pool, schema, location, setting);
      return [storeOk(`${where}: reachable`), schemaCheck(version, postgresMigrations())];
    } catch (err) {
      if (err instanceof DatabaseTooNewError) return [storeOk(`${where}: reachable`), tooNew(err)];
      return [storeOk(`${where}: reachable`), { group: 'store', name: 'store schema', status: 'fail', finding: messageOf(db.translate(err)), fix: `give the user of ${setting} read access to schema ${schema}` }];
    }
  } finally {
    await pool.end();
  }
}

function storeOk(finding: string): DoctorCheck {
  return { group: 'store', name: 'store', status: 'ok', finding };
}

/** The recorded schema version against the migrations this Staffwire ships. */
function schemaCheck(version: number, migrations: readonly Migration[]): DoctorCheck {
  const latest = migrations.length;
  if (version === latest) return { group: 'store', name: 'store schema', status: 'ok', finding: `schema version ${version}, the newest this Staffwire knows` };
  if (version === 0) return { group: 'store', name: 'store schema', status: 'ok', finding: `no Staffwire tables yet: they are created (schema version ${latest}) when serve or worker starts` };
  const pending = migrations.slice(version);
  return {
    group: 'store',
    name: 'store schema',
    status: 'warn',
    finding: `schema version ${version} of ${latest}: ${count(pending.length, 'migration')} pending (${pending.map((m) => `${String(m.version).padStart(3, '0')}-${m.name}`).join(', ')})`,
    fix: PENDING_FIX,
  };
}

function tooNew(err: DatabaseTooNewError): DoctorCheck {
  return {
    group: 'store',
    name: 'store schema',
    status: 'fail',
    finding: err.message,
    fix: `run the Staffwire that upgraded the store (schema version ${err.version}) here, and in every serve and worker sharing it`,
  };
}

/** Why `dir` cannot hold the database (it is no folder, or cannot be written or created), or undefined when it can. */
function unwritableFolder(dir: string): string | undefined {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) return `${dir} is not a folder`;
    return canWrite(dir) ? undefined : `the data folder ${dir} is not writable by this user`;
  }
  let ancestor = dirname(dir);
  while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  return canWrite(ancestor) ? undefined : `the data folder ${dir} does not exist and cannot be created (${ancestor} is not writable by this user)`;
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
