import { createLogger } from '../../log/logger.js';
import { count, type CheckStatus, type DoctorCheck, type DoctorReport } from '../../ops/doctor/doctor-check.js';
import { runDoctor } from '../../ops/doctor/run-doctor.js';
import { logDestination } from '../log-destination.js';

export interface DoctorCommandOptions {
  config?: string;
  json?: boolean;
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** Exit 0 when nothing failed (warnings allowed), 1 when any check failed. */
export async function doctorCommand(options: DoctorCommandOptions): Promise<number> {
  const report = await runDoctor({
    ...(options.config === undefined ? {} : { configFile: options.config }),
    logFor: (config) => createLogger(config.log.level, logDestination(config.dataDir, 'command')),
  });
  if (options.json) console.log(JSON.stringify({ ok: report.summary.fail === 0, configFile: report.configFile ?? null, summary: report.summary, checks: report.checks }, null, 2));
  else console.log(formatReport(report));
  return report.summary.fail > 0 ? 1 : 0;
}

/**
 * One line per check (mark, status, name, finding), the problems behind it and its fix indented
 * under the finding, then the counts.
 */
function formatReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const prefix = (check: DoctorCheck) => `  ${MARK[check.status]} ${check.status.padEnd(4)}  ${check.name.padEnd(width)}  `;
  const indent = ' '.repeat(prefix(report.checks[0]!).length);
  // A vendor's or a library's message may span lines: each stays in the finding's column.
  const aligned = (text: string) => text.replaceAll('\n', `\n${indent}`);
  const lines = report.checks.flatMap((check) => [
    `${prefix(check)}${aligned(check.finding)}`,
    ...(check.details ?? []).map((detail) => `${indent}${aligned(detail)}`),
    ...(check.fix ? [`${indent}fix: ${aligned(check.fix)}`] : []),
  ]);
  const { ok, warn, fail, skip } = report.summary;
  const skipped = skip > 0 ? ` (${skip} skipped)` : '';
  return [...lines, '', `${ok} ok, ${count(warn, 'warning')}, ${count(fail, 'failure')}${skipped}`].join('\n');
}
