import { Command, CommanderError, Option } from 'commander';
import { InputError, RunInterruptedError, StoreUnavailableError, UsageError } from '../errors/index.js';
import { FlowInvalidError } from '../engine/flow-invalid-error.js';
import { InvalidFlowFileError, ServerRequestError } from './cli-errors.js';
import { parseRunTarget } from './run-target.js';
import { DEFAULT_WAIT_UP_TO_MS, parseWaitUpTo } from './wait-up-to.js';

/**
 * Exit codes: 0 success, 1 the work failed (invalid flow, failed run, unusable store), 2 usage
 * error, 3 a run was interrupted because the store could not be written (resumable).
 * A command's module is imported when the command is chosen: `--help` or `runs list` does not
 * pay for loading the server, the queue and the spreadsheet readers.
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('staffwire')
    .description('Durable HR integration flows: validate, run and inspect them.')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nLogs: JSON lines at log.level (env STAFFWIRE_LOG_LEVEL, default warn; serve: info), appended to <dataDir>/logs/staffwire.log;\n' +
        '`staffwire serve` writes them to stderr. STAFFWIRE_LOG_FILE=<file> sends them to that file, STAFFWIRE_LOG_FILE=- to stderr.',
    )
    .exitOverride();
  const config = new Option('-c, --config <file>', 'configuration file (default ./staffwire.config.json, env STAFFWIRE_CONFIG)');
  const json = new Option('--json', 'print machine-readable JSON');
  // Commands on runs, schedules and events work on the local store, or on a running server.
  const server = () => new Option('--server <url>', 'work against this running `staffwire serve` instead of the local store (env STAFFWIRE_SERVER)');
  const token = () => new Option('--token <token>', 'API token for --server (env STAFFWIRE_TOKEN)');
  /** A subcommand of `parent` that works on the local store, or with --server on a running server. */
  const onStoreOrServer = (parent: Command, name: string) => parent.command(name).addOption(json).addOption(config).addOption(server()).addOption(token());
  const waitUpTo = () =>
    new Option('--wait-up-to <seconds>', 'stay to continue a waiting run if it is due within this many seconds (or a duration: 500ms, 30s, 5m)')
      .default(DEFAULT_WAIT_UP_TO_MS, '60')
      .argParser(parseWaitUpTo);
  const done = (code: number) => {
    exitCode = code;
  };

  program
    .command('validate')
    .description('check flow files: JSON, schema, expressions, connectors, connections, inputs, step references')
    .argument('<files...>', 'flow files')
    .addOption(config)
    .action(async (files: string[], opts) => done(await (await import('./commands/validate.js')).validateCommand(files, opts)));

  program
    .command('run')
    .description('run a flow in this process and print each step as it finishes')
    .argument('<flow>', 'flow file, or the id of a flow in the flow folders', parseRunTarget)
    .option('-i, --input <file>', 'run input as JSON; "-" reads standard input')
    .addOption(waitUpTo())
    .addOption(json)
    .addOption(config)
    .action(async (flow: string, opts) => done(await (await import('./commands/run.js')).runCommand(flow, opts)));

  const runs = program.command('runs').description('list, inspect, retry, resume and cancel runs');
  onStoreOrServer(runs, 'list')
    .description('recent runs, newest first')
    .option('--flow <id>', 'only runs of this flow')
    .option('--status <status>', 'only runs with this status (comma-separated: queued,running,waiting,succeeded,failed,cancelled)')
    .option('--from <moment>', 'only runs created at or after this date or moment (2030-03-01, 2030-03-01T09:00:00+08:00)')
    .option('--to <moment>', 'only runs created before this date or moment')
    .option('--business-key <key>', 'only runs with this business key')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (opts) => done(await (await import('./commands/runs.js')).runsListCommand(opts)));
  onStoreOrServer(runs, 'show')
    .description("a run's step timeline, output and error")
    .argument('<id>', 'run id')
    .action(async (id: string, opts) => done(await (await import('./commands/runs.js')).runsShowCommand(id, opts)));
  onStoreOrServer(runs, 'retry')
    .description('run a failed run again from its failed step; completed steps are not repeated (with --server, the server runs it and this follows)')
    .argument('<id>', 'run id')
    .addOption(waitUpTo())
    .action(async (id: string, opts) => done(await (await import('./commands/runs.js')).runsRetryCommand(id, opts)));
  runs
    .command('resume')
    .description('continue runs that a stopped or killed process left unfinished, and waits that are due (a running `staffwire serve` does this by itself)')
    .addOption(json)
    .addOption(config)
    .addOption(server().hideHelp())
    .action(async (opts) => done(await (await import('./commands/runs.js')).runsResumeCommand(opts)));
  onStoreOrServer(runs, 'cancel')
    .description('cancel a queued, running or waiting run')
    .argument('<id>', 'run id')
    .action(async (id: string, opts) => done(await (await import('./commands/runs.js')).runsCancelCommand(id, opts)));

  const schedules = program.command('schedules').description('one-off future runs by business key: list, show, cancel, move');
  onStoreOrServer(schedules, 'list')
    .description('schedules in fire order, earliest first')
    .option('--status <status>', 'only schedules with this status (comma-separated: pending,fired,cancelled)', 'pending')
    .option('--flow <id>', 'only schedules of this flow')
    .option('--key-prefix <prefix>', 'only keys starting with this, e.g. deactivate:')
    .option('--from <moment>', 'only schedules firing at or after this date or moment')
    .option('--to <moment>', 'only schedules firing before this date or moment')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (opts) => done(await (await import('./commands/schedules.js')).schedulesListCommand(opts)));
  onStoreOrServer(schedules, 'show')
    .description('a schedule: when it fires (also in its time zone), its flow, input and who scheduled it')
    .argument('<key>', 'business key')
    .action(async (key: string, opts) => done(await (await import('./commands/schedules.js')).schedulesShowCommand(key, opts)));
  onStoreOrServer(schedules, 'cancel')
    .description('cancel a pending schedule: it starts no run')
    .argument('<key>', 'business key')
    .action(async (key: string, opts) => done(await (await import('./commands/schedules.js')).schedulesCancelCommand(key, opts)));
  onStoreOrServer(schedules, 'move')
    .description('make a pending schedule fire at another moment')
    .argument('<key>', 'business key')
    .requiredOption('--at <moment>', 'when it fires, ISO 8601 with its zone, e.g. 2030-03-01T18:00:00+08:00')
    .action(async (key: string, opts) => done(await (await import('./commands/schedules.js')).schedulesMoveCommand(key, opts)));

  const events = program.command('events').description('webhook deliveries and what became of them');
  onStoreOrServer(events, 'list')
    .description('deliveries, newest first: outcome, event, and the runs each started or woke')
    .option('--source <connection>', 'only deliveries for this connection (or hook:<flow id>)')
    .option('--outcome <outcome>', 'only deliveries with this outcome (comma-separated: accepted,duplicate,refused,challenge)')
    .option('--since <moment>', 'only deliveries received at or after this date or moment')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (opts) => done(await (await import('./commands/events.js')).eventsListCommand(opts)));
  onStoreOrServer(events, 'show')
    .description('one delivery with its event payload')
    .argument('<id>', 'delivery id')
    .action(async (id: string, opts) => done(await (await import('./commands/events.js')).eventsShowCommand(id, opts)));

  const connectors = program.command('connectors').description('the installed connectors and what they offer');
  connectors
    .command('list')
    .description('id, category and title of every connector')
    .addOption(json)
    .action(async (opts) => done(await (await import('./commands/connectors.js')).connectorsListCommand(opts)));
  connectors
    .command('show')
    .description("a connector's connection settings, actions, events and rate limits")
    .argument('<id>', 'connector id')
    .addOption(json)
    .action(async (id: string, opts) => done(await (await import('./commands/connectors.js')).connectorsShowCommand(id, opts)));

  program
    .command('serve')
    .description('serve the REST API, webhooks, docs and metrics, and execute runs when due (whichever process queued or parked them)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (default server.port, 3000; env STAFFWIRE_PORT)')
    .option('--host <host>', 'address to listen on (default server.host, 127.0.0.1; env STAFFWIRE_HOST)')
    .option('--with-worker', 'queue mode: execute runs in this process too, beside the intake')
    .addOption(config)
    .action(async (opts) => done(await (await import('./commands/serve.js')).serveCommand(opts)));

  program
    .command('worker')
    .description('queue mode (REDIS_URL and a PostgreSQL store): execute the runs `staffwire serve` enqueues; run as many as the load needs')
    .option('--concurrency <n>', 'runs this worker executes at once (default limits.concurrency, 16)')
    .addOption(config)
    .action(async (opts) => done(await (await import('./commands/worker.js')).workerCommand(opts)));

  program
    .command('doctor')
    .description('check the configuration, flows, store (migrations), Redis (eviction, persistence) and every connection, and say what to fix; exit 1 when a check fails')
    .addOption(json)
    .addOption(config)
    .action(async (opts) => done(await (await import('./commands/doctor.js')).doctorCommand(opts)));

  program
    .command('tokens')
    .description('API tokens for `staffwire serve`')
    .command('create')
    .description('print a new token once, and the server.tokens entry holding its SHA-256 (nothing is stored)')
    .requiredOption('--name <name>', 'who uses it; recorded as api:<name>')
    .requiredOption('--role <role>', 'viewer (reads, personal data masked), operator (also starts, retries, cancels runs and schedules) or admin')
    .addOption(json)
    .action(async (opts) => done(await (await import('./commands/tokens.js')).tokensCreateCommand(opts)));

  program
    .command('sandbox')
    .description('serve stateful fakes of every vendor API (Lark, DocuSign) on one port, with faults, events and a seeded company')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '4010')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--seed <file or size>', 'a seeded-company JSON file, or a number of employees to generate', '1000')
    .option('--token-ttl <seconds>', 'lifetime of issued Lark tenant tokens (short values exercise refresh)', '7200')
    .option('--print-seed', 'print what the fakes hold (employees, departments, offers, tables, datasources…) and exit without listening')
    .addOption(json)
    .action(async (opts) => done(await (await import('./commands/sandbox.js')).sandboxCommand(opts)));

  program
    .command('demo')
    .description('the HR jobs end to end against the sandbox, through an embedded serve: offer to onboard, an account frozen on offboarding, the talent review sync, a bonus batch (no setup)')
    .option('--no-serve', 'stop after the story instead of serving until Ctrl-C')
    .action(async (opts) => done(await (await import('./commands/demo.js')).demoCommand(opts)));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message already.
    return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
  }
  if (err instanceof UsageError) {
    console.error(`staffwire: ${err.message}`);
    return 2;
  }
  if (err instanceof ServerRequestError) {
    console.error(`staffwire: ${err.message}`);
    return err.exitCode;
  }
  if (err instanceof InvalidFlowFileError) {
    console.error(err.message);
    return 1;
  }
  if (err instanceof RunInterruptedError && err.cause.code === 'store.lost') {
    console.error(`staffwire: ${err.cause.message}. The run ${err.runId} stopped there.`);
    return 1;
  }
  if (err instanceof RunInterruptedError) {
    console.error(`staffwire: ${err.cause.message}.`);
    console.error(`The run ${err.runId} was interrupted, not failed: what it completed is kept, and \`staffwire runs resume\` continues it (with the same idempotency keys) once the store can be written.`);
    return 3;
  }
  if (err instanceof StoreUnavailableError) {
    console.error(`staffwire: ${err.message}`);
    return 1;
  }
  if (err instanceof FlowInvalidError || err instanceof InputError) {
    console.error(`staffwire: ${err.message}`);
    // A run, schedule or delivery named on the command line that does not exist is a wrong argument, whatever the command.
    return err instanceof InputError && err.code.endsWith('.not_found') ? 2 : 1;
  }
  console.error(`staffwire: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.STAFFWIRE_DEBUG) console.error(err);
  return 1;
}
