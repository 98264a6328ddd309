import { Command, CommanderError, Option } from 'commander';
import { InputError, RunInterruptedError, StoreUnavailableError, UsageError } from '../errors/index.js';
import { FlowInvalidError } from '../engine/flow-invalid-error.js';
import { connectorsListCommand, connectorsShowCommand } from './commands/connectors.js';
import { demoCommand } from './commands/demo.js';
import { InvalidFlowFileError } from './commands/load-flow.js';
import { runCommand } from './commands/run.js';
import { runsCancelCommand, runsListCommand, runsResumeCommand, runsRetryCommand, runsShowCommand } from './commands/runs.js';
import { sandboxCommand } from './commands/sandbox.js';
import { serveCommand } from './commands/serve.js';
import { validateCommand } from './commands/validate.js';

/**
 * Exit codes: 0 success, 1 the work failed (invalid flow, failed run, unusable store), 2 usage
 * error, 3 a run was interrupted because the store could not be written (resumable).
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('staffwire')
    .description('Durable HR integration flows: validate, run and inspect them.')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const config = new Option('-c, --config <file>', 'configuration file (default ./staffwire.config.json, env STAFFWIRE_CONFIG)');
  const json = new Option('--json', 'print machine-readable JSON');
  const done = (code: number) => {
    exitCode = code;
  };

  program
    .command('validate')
    .description('check flow files: JSON, schema, expressions, connectors, connections, inputs, step references')
    .argument('<files...>', 'flow files')
    .addOption(config)
    .action(async (files: string[], opts) => done(await validateCommand(files, opts)));

  program
    .command('run')
    .description('run a flow in this process and print each step as it finishes')
    .argument('<flow>', 'flow file, or the id of a flow in the flow folders')
    .option('-i, --input <file>', 'run input as JSON; "-" reads standard input')
    .option('--wait-up-to <seconds>', 'stay to continue a waiting run if it is due within this many seconds', '60')
    .addOption(json)
    .addOption(config)
    .action(async (flow: string, opts) => done(await runCommand(flow, opts)));

  const runs = program.command('runs').description('list, inspect, retry, resume and cancel runs');
  runs
    .command('list')
    .description('recent runs, newest first')
    .option('--flow <id>', 'only runs of this flow')
    .option('--status <status>', 'only runs with this status (comma-separated: queued,running,waiting,succeeded,failed,cancelled)')
    .option('--limit <n>', 'at most this many', '50')
    .addOption(json)
    .addOption(config)
    .action(async (opts) => done(await runsListCommand(opts)));
  runs
    .command('show')
    .description("a run's step timeline, output and error")
    .argument('<id>', 'run id')
    .addOption(json)
    .addOption(config)
    .action(async (id: string, opts) => done(await runsShowCommand(id, opts)));
  runs
    .command('retry')
    .description('run a failed run again from its failed step; completed steps are not repeated')
    .argument('<id>', 'run id')
    .addOption(json)
    .addOption(config)
    .action(async (id: string, opts) => done(await runsRetryCommand(id, opts)));
  runs
    .command('resume')
    .description('continue runs that a stopped or killed process left unfinished, and waits that are due')
    .addOption(json)
    .addOption(config)
    .action(async (opts) => done(await runsResumeCommand(opts)));
  runs
    .command('cancel')
    .description('cancel a queued, running or waiting run')
    .argument('<id>', 'run id')
    .addOption(json)
    .addOption(config)
    .action(async (id: string, opts) => done(await runsCancelCommand(id, opts)));

  const connectors = program.command('connectors').description('the installed connectors and what they offer');
  connectors
    .command('list')
    .description('id, category and title of every connector')
    .addOption(json)
    .action(async (opts) => done(await connectorsListCommand(opts)));
  connectors
    .command('show')
    .description("a connector's connection settings, actions, events and rate limits")
    .argument('<id>', 'connector id')
    .addOption(json)
    .action(async (id: string, opts) => done(await connectorsShowCommand(id, opts)));

  program
    .command('serve')
    .description('run the embedded runtime: resume interrupted runs, fire waits and retries when due')
    .addOption(config)
    .action(async (opts) => done(await serveCommand(opts)));

  program
    .command('sandbox')
    .description('serve stateful fakes of every vendor API (Lark, DocuSign) on one port, with faults, events and a seeded company')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '4010')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--seed <file or size>', 'a seeded-company JSON file, or a number of employees to generate', '1000')
    .option('--token-ttl <seconds>', 'lifetime of issued Lark tenant tokens (short values exercise refresh)', '7200')
    .option('--print-seed', 'print what the fakes hold (employees, departments, offers, tables, datasources…) and exit without listening')
    .addOption(json)
    .action(async (opts) => done(await sandboxCommand(opts)));

  program
    .command('demo')
    .description('offer to onboard, end to end, against a stand-in HR API on this machine (no setup)')
    .option('--offer <id>', 'offer-1001 is accepted; offer-1002 was declined', 'offer-1001')
    .action(async (opts) => done(await demoCommand(opts)));

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
    return 1;
  }
  console.error(`staffwire: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.STAFFWIRE_DEBUG) console.error(err);
  return 1;
}
