import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StepRecord } from '../../src/store/records.js';
import { STORE_KINDS } from '../support/store-kinds.js';
import { createHarnessOn, defineFlow, type Harness } from './helpers.js';

/** One write to the store: which checkpoints it held, and how many calls had gone out before it. */
interface Write {
  via: 'putSteps' | 'updateRun';
  steps: string[];
  callsBefore: number;
}

describe.each(STORE_KINDS)('checkpoints around side effects (%s)', (kind) => {
  let h: Harness;
  let writes: Write[];

  beforeEach(async () => {
    h = await createHarnessOn(kind);
    writes = [];
    const note = (via: Write['via'], steps: readonly StepRecord[] | undefined) =>
      writes.push({ via, steps: (steps ?? []).map((s) => `${s.path}:${s.status}`), callsBefore: h.probe.calls.length });
    const putSteps = h.store.putSteps.bind(h.store);
    vi.spyOn(h.store, 'putSteps').mockImplementation(async (steps, write) => {
      note('putSteps', steps);
      return putSteps(steps, write);
    });
    const updateRun = h.store.updateRun.bind(h.store);
    vi.spyOn(h.store, 'updateRun').mockImplementation(async (id, patch, write) => {
      note('updateRun', write?.steps);
      return updateRun(id, patch, write);
    });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await h.close();
  });

  it("writes a call's completion with the next call's start, before that call goes out, and the last one with the run's outcome", async () => {
    const result = await h.runFlow(
      defineFlow([
        { id: 'a', kind: 'call', action: 'probe.record', with: { key: 'a' } },
        { id: 'b', kind: 'call', action: 'probe.record', with: { key: 'b' } },
        { id: 'c', kind: 'call', action: 'probe.record', with: { key: 'c' } },
      ]),
    );
    expect(result.run.status).toBe('succeeded');
    expect(writes.filter((w) => w.steps.length > 0)).toEqual([
      { via: 'putSteps', steps: ['a:running'], callsBefore: 0 },
      { via: 'putSteps', steps: ['a:succeeded', 'b:running'], callsBefore: 1 },
      { via: 'putSteps', steps: ['b:succeeded', 'c:running'], callsBefore: 2 },
      { via: 'updateRun', steps: ['c:succeeded'], callsBefore: 3 },
    ]);
  });

  it("writes a call's completion before a step that is not a call begins", async () => {
    const result = await h.runFlow(
      defineFlow([
        { id: 'a', kind: 'call', action: 'probe.record', with: { key: 'a' } },
        { id: 'tally', kind: 'set', values: { n: '${steps.a.attempt}' } },
        { id: 'b', kind: 'call', action: 'probe.record', with: { key: 'b' } },
      ]),
    );
    expect(result.run.status).toBe('succeeded');
    expect(writes.filter((w) => w.steps.length > 0)).toEqual([
      { via: 'putSteps', steps: ['a:running'], callsBefore: 0 },
      { via: 'putSteps', steps: ['a:succeeded'], callsBefore: 1 },
      { via: 'putSteps', steps: ['tally:succeeded', 'b:running'], callsBefore: 1 },
      { via: 'updateRun', steps: ['b:succeeded'], callsBefore: 2 },
    ]);
  });
});
