import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadPlan, LoadResult } from './load-generator.js';

const generator = fileURLToPath(new URL('./load-generator.js', import.meta.url));

export interface MeasuredLoad extends LoadResult {
  /**
   * CPU time this process (the server under load) spent per request answered, user + system, in
   * microseconds: on a shared machine it varies far less than requests per second do.
   */
  cpuMicrosPerRequest: number;
}

/** Fires a load plan from a separate process and resolves with what it measured. */
export async function runLoad(plan: LoadPlan): Promise<MeasuredLoad> {
  const dir = mkdtempSync(join(tmpdir(), 'staffwire-load-'));
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify(plan));
  try {
    const cpuBefore = process.cpuUsage();
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [generator, file], { maxBuffer: 16 * 1024 * 1024 }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    const cpu = process.cpuUsage(cpuBefore);
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
    return { ...result, cpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, result.requests) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatLoad(result: MeasuredLoad): string {
  return `${result.perSecond.toFixed(0)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  cpu ${result.cpuMicrosPerRequest.toFixed(0)} µs/req${result.non2xx ? `  non-2xx ${result.non2xx}` : ''}${result.errors ? `  errors ${result.errors}` : ''}`;
}
