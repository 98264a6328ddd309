import { afterEach, describe, expect, it, vi } from 'vitest';
import { stepPrinter } from '../../src/cli/step-printer.js';
import type { StepRecord } from '../../src/store/records.js';

const counts = (read: number) => ({ read, created: read, updated: 0, unchanged: 0, deleted: 0, marked: 0, skipped: 0, failed: 0 });

function syncStep(status: StepRecord['status'], read: number): StepRecord {
  return {
    runId: 'run_1',
    path: 'to_table',
    stepId: 'to_table',
    kind: 'sync',
    status,
    attempts: 1,
    startedAt: '2026-12-01T08:00:00.000Z',
    updatedAt: '2026-12-01T08:00:01.000Z',
    state: { sync: { counts: counts(read) } },
  };
}

function fakeStderr(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the CLI step printer', () => {
  it('redraws a sync progress line in place on a terminal and clears it before the finished line', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { written, stream } = fakeStderr(true);
    const print = stepPrinter(stream, () => 0);
    print(syncStep('running', 500));
    print(syncStep('running', 1500));
    print(syncStep('succeeded', 2000));
    expect(written[0]).toMatch(/^\r {2}⟳ to_table +read 500 · created 500 · updated 0 · unchanged 0 · failed 0\u001b\[K$/);
    expect(written[1]).toContain('read 1,500');
    expect(written[2]).toBe('\r\u001b[K');
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]![0])).toContain('to_table');
  });

  it('writes progress lines at most every five seconds when stderr is a log, and nothing for steps that keep no counts', () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const { written, stream } = fakeStderr(false);
    let now = 10_000;
    const print = stepPrinter(stream, () => now);
    print(syncStep('running', 100));
    now += 4_999;
    print(syncStep('running', 200));
    now += 1;
    print(syncStep('running', 300));
    print({ ...syncStep('running', 0), state: { items: [] } });
    expect(written.map((line) => line.match(/read (\d+)/)?.[1])).toEqual(['100', '300']);
    expect(written.every((line) => line.endsWith('\n'))).toBe(true);
  });
});
