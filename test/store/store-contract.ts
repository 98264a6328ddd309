import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEntry, RunRecord, StepRecord } from '../../src/store/records.js';
import { BusinessKeyTakenError, RunExistsError, RunFencedError, RunNotFoundError, type NewDelivery, type NewSchedule, type Store } from '../../src/store/store.js';

/**
 * The executable specification of `Store`. Every implementation runs it unchanged: each case gets
 * a fresh, empty store from `makeStore`; after the case the store is closed and then `cleanup`
 * runs (remove files, drop the keyspace the store used).
 *
 * Leases and purges take their moment as an argument, so cases pass explicit timestamps. Idempotency
 * and event keys are live against the wall clock, so cases use expiries far in the past or future.
 */
export function describeStoreContract<S extends Store>(
  name: string,
  makeStore: () => Promise<S>,
  cleanup?: (store: S) => Promise<void>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: S;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.(store);
    });

    describe('flow content', () => {
      it('returns the content stored under a hash', async () => {
        await store.putFlowContent('sha256:aa', '{"id":"offer-to-onboard","steps":[]}');
        expect(await store.getFlowContent('sha256:aa')).toBe('{"id":"offer-to-onboard","steps":[]}');
      });

      it('accepts the same hash twice and keeps the content', async () => {
        await store.putFlowContent('sha256:aa', FLOW_CONTENT);
        await store.putFlowContent('sha256:aa', FLOW_CONTENT);
        expect(await store.getFlowContent('sha256:aa')).toBe(FLOW_CONTENT);
      });

      it('keeps contents under different hashes apart', async () => {
        await store.putFlowContent('sha256:aa', '{"version":"1"}');
        await store.putFlowContent('sha256:bb', '{"version":"2"}');
        expect(await store.getFlowContent('sha256:aa')).toBe('{"version":"1"}');
        expect(await store.getFlowContent('sha256:bb')).toBe('{"version":"2"}');
      });

      it('returns undefined for a hash it never stored', async () => {
        expect(await store.getFlowContent('sha256:missing')).toBeUndefined();
      });
    });

    describe('runs', () => {
      it('returns a created run as it was given', async () => {
        const run = aRun('run_1', { input: UNICODE_VALUE, parentRunId: 'run_0', parentStepPath: 'each[2].sub' });
        await store.createRun(run);
        expect(await store.getRun('run_1')).toEqual(run);
      });

      it('returns undefined for a run it never created', async () => {
        expect(await store.getRun('run_missing')).toBeUndefined();
      });

      it('refuses a second run with the same id and keeps the first', async () => {
        const first = aRun('run_1', { flowId: 'first' });
        await store.createRun(first);
        const refused = store.createRun(aRun('run_1', { flowId: 'second' }));
        await expect(refused).rejects.toBeInstanceOf(RunExistsError);
        await expect(refused).rejects.toMatchObject({ runId: 'run_1' });
        expect(await store.getRun('run_1')).toEqual(first);
      });

      it('applies a patch to the fields it names and keeps the others', async () => {
        const run = aRun('run_1', { input: { offerId: 'of_1' } });
        await store.createRun(run);
        const updated = await store.updateRun('run_1', { status: 'running', startedAt: at(5), updatedAt: at(5) });
        const expected: RunRecord = { ...run, status: 'running', startedAt: at(5), updatedAt: at(5) };
        expect(updated).toEqual(expected);
        expect(await store.getRun('run_1')).toEqual(expected);
      });

      it('clears the fields a patch sets to undefined', async () => {
        await store.createRun(aRun('run_1', { status: 'waiting', waitingUntil: at(60), error: AN_ERROR }));
        const updated = await store.updateRun('run_1', { status: 'running', waitingUntil: undefined, error: undefined });
        for (const record of [updated, await store.getRun('run_1')]) {
          expect(record).not.toHaveProperty('waitingUntil');
          expect(record).not.toHaveProperty('error');
          expect(record?.status).toBe('running');
        }
      });

      it('replaces nested values whole instead of merging them', async () => {
        await store.createRun(aRun('run_1', { output: { a: 1, nested: { b: 2 } }, error: AN_ERROR }));
        const error = { code: 'E2', message: 'second', category: 'server' } as const;
        await store.updateRun('run_1', { output: { nested: { c: 3 } }, error });
        const run = await store.getRun('run_1');
        expect(run?.output).toEqual({ nested: { c: 3 } });
        expect(run?.error).toEqual(error);
      });

      it('fails to update a run that does not exist, and writes nothing', async () => {
        const refused = store.updateRun('run_missing', { status: 'running' }, { steps: [aStep('run_missing', 'notify')] });
        await expect(refused).rejects.toBeInstanceOf(RunNotFoundError);
        await expect(refused).rejects.toMatchObject({ runId: 'run_missing' });
        expect(await store.getRun('run_missing')).toBeUndefined();
        expect(await store.listSteps('run_missing')).toEqual([]);
      });

      it('writes the steps given with an update together with it', async () => {
        await store.createRun(aRun('run_1'));
        await store.putStep(aStep('run_1', 'notify', { status: 'running' }));
        const done = aStep('run_1', 'notify', { status: 'succeeded', output: { ok: true } });
        const last = aStep('run_1', 'finish', { kind: 'return' });
        await store.updateRun('run_1', { status: 'succeeded', finishedAt: at(9) }, { steps: [done, last] });
        expect((await store.getRun('run_1'))?.status).toBe('succeeded');
        expect(byPath(await store.listSteps('run_1'))).toEqual([last, done]);
      });

      it('writes neither the run nor any step when a step of an update cannot be stored', async () => {
        const run = aRun('run_1');
        await store.createRun(run);
        // JSON cannot hold a bigint, so the write fails after the first step of the batch.
        const unstorable = aStep('run_1', 'b', { output: { amount: 10n } });
        await expect(store.updateRun('run_1', { status: 'succeeded' }, { steps: [aStep('run_1', 'a'), unstorable] })).rejects.toThrow();
        expect(await store.getRun('run_1')).toEqual(run);
        expect(await store.listSteps('run_1')).toEqual([]);
      });
    });

    describe('listing runs', () => {
      it('lists runs newest first', async () => {
        await store.createRun(aRun('run_b', { createdAt: at(2) }));
        await store.createRun(aRun('run_c', { createdAt: at(3) }));
        await store.createRun(aRun('run_a', { createdAt: at(1) }));
        expect(ids(await store.listRuns())).toEqual(['run_c', 'run_b', 'run_a']);
      });

      it('returns an empty list when there are no runs', async () => {
        expect(await store.listRuns()).toEqual([]);
        expect(await store.listRuns({ flowId: 'offer-to-onboard', status: ['queued'], limit: 5 })).toEqual([]);
      });

      it('returns full records', async () => {
        const run = aRun('run_1', { input: UNICODE_VALUE, output: [1, 2, 3], finishedAt: at(9) });
        await store.createRun(run);
        expect(await store.listRuns()).toEqual([run]);
      });

      it('filters by flow id', async () => {
        await store.createRun(aRun('run_1', { flowId: 'offer-to-onboard', createdAt: at(1) }));
        await store.createRun(aRun('run_2', { flowId: 'deactivate-leaver', createdAt: at(2) }));
        await store.createRun(aRun('run_3', { flowId: 'offer-to-onboard', createdAt: at(3) }));
        expect(ids(await store.listRuns({ flowId: 'offer-to-onboard' }))).toEqual(['run_3', 'run_1']);
        expect(await store.listRuns({ flowId: 'no-such-flow' })).toEqual([]);
      });

      it('filters by any of several statuses', async () => {
        await store.createRun(aRun('run_q', { status: 'queued', createdAt: at(1) }));
        await store.createRun(aRun('run_r', { status: 'running', createdAt: at(2) }));
        await store.createRun(aRun('run_w', { status: 'waiting', createdAt: at(3) }));
        await store.createRun(aRun('run_s', { status: 'succeeded', createdAt: at(4) }));
        expect(ids(await store.listRuns({ status: ['running', 'waiting'] }))).toEqual(['run_w', 'run_r']);
        expect(ids(await store.listRuns({ status: ['succeeded'] }))).toEqual(['run_s']);
        expect(await store.listRuns({ status: ['failed', 'cancelled'] })).toEqual([]);
      });

      it('filters by parent run', async () => {
        await store.createRun(aRun('run_parent', { createdAt: at(1) }));
        await store.createRun(aRun('run_child_1', { parentRunId: 'run_parent', parentStepPath: 'each[0].sub', createdAt: at(2) }));
        await store.createRun(aRun('run_child_2', { parentRunId: 'run_parent', parentStepPath: 'each[1].sub', createdAt: at(3) }));
        await store.createRun(aRun('run_other_child', { parentRunId: 'run_other', createdAt: at(4) }));
        expect(ids(await store.listRuns({ parentRunId: 'run_parent' }))).toEqual(['run_child_2', 'run_child_1']);
      });

      it('applies all given filters together', async () => {
        await store.createRun(aRun('run_1', { flowId: 'sync', status: 'running', parentRunId: 'run_p', createdAt: at(1) }));
        await store.createRun(aRun('run_2', { flowId: 'sync', status: 'failed', parentRunId: 'run_p', createdAt: at(2) }));
        await store.createRun(aRun('run_3', { flowId: 'other', status: 'running', parentRunId: 'run_p', createdAt: at(3) }));
        await store.createRun(aRun('run_4', { flowId: 'sync', status: 'running', createdAt: at(4) }));
        expect(ids(await store.listRuns({ flowId: 'sync', status: ['running'], parentRunId: 'run_p' }))).toEqual(['run_1']);
      });

      it('returns at most `limit` runs, the newest', async () => {
        for (const minute of [3, 1, 5, 2, 4]) await store.createRun(aRun(`run_${minute}`, { createdAt: at(minute) }));
        expect(ids(await store.listRuns({ limit: 2 }))).toEqual(['run_5', 'run_4']);
        expect(ids(await store.listRuns({ limit: 10 }))).toEqual(['run_5', 'run_4', 'run_3', 'run_2', 'run_1']);
      });

      it('applies the limit after the filters', async () => {
        await store.createRun(aRun('run_1', { status: 'failed', createdAt: at(1) }));
        await store.createRun(aRun('run_2', { status: 'failed', createdAt: at(2) }));
        await store.createRun(aRun('run_3', { status: 'succeeded', createdAt: at(3) }));
        await store.createRun(aRun('run_4', { status: 'failed', createdAt: at(4) }));
        expect(ids(await store.listRuns({ status: ['failed'], limit: 2 }))).toEqual(['run_4', 'run_2']);
      });

      it('returns every matching run when no limit is given', async () => {
        // More than any page size an implementation might quietly default to.
        const count = 1_200;
        for (let i = 0; i < count; i++) await store.createRun(aRun(`run_${String(i).padStart(4, '0')}`, { createdAt: at(i) }));
        expect(await store.listRuns()).toHaveLength(count);
        const runs = await store.listRuns({ status: ['queued'] });
        expect(runs).toHaveLength(count);
        expect(runs[0]?.id).toBe('run_1199');
        expect(runs.at(-1)?.id).toBe('run_0000');
      });

      it('filters on the values an update left behind', async () => {
        await store.createRun(aRun('run_1', { flowId: 'old-flow', status: 'queued', parentRunId: 'run_p' }));
        await store.updateRun('run_1', { flowId: 'new-flow', status: 'succeeded', parentRunId: undefined });
        expect(await store.listRuns({ status: ['queued'] })).toEqual([]);
        expect(await store.listRuns({ flowId: 'old-flow' })).toEqual([]);
        expect(await store.listRuns({ parentRunId: 'run_p' })).toEqual([]);
        expect(ids(await store.listRuns({ flowId: 'new-flow', status: ['succeeded'] }))).toEqual(['run_1']);
      });

      it('orders by the creation time an update left behind', async () => {
        await store.createRun(aRun('run_1', { createdAt: at(1) }));
        await store.createRun(aRun('run_2', { createdAt: at(2) }));
        await store.updateRun('run_1', { createdAt: at(3) });
        expect(ids(await store.listRuns())).toEqual(['run_1', 'run_2']);
      });
    });

    describe('claiming runs', () => {
      it('gives an unowned run to the claimer and records owner and lease on the run', async () => {
        await store.createRun(aRun('run_1'));
        expect(await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) })).toBe(true);
        expect(await store.getRun('run_1')).toMatchObject({ owner: 'host-a:1', leaseUntil: at(10) });
      });

      it('refuses a run whose lease another owner still holds', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        expect(await store.claimRun('run_1', { owner: 'host-b:2', leaseUntil: at(15), now: at(5) })).toBe(false);
        expect(await store.getRun('run_1')).toMatchObject({ owner: 'host-a:1', leaseUntil: at(10) });
      });

      it('treats a lease as held up to and including its last moment', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        expect(await store.claimRun('run_1', { owner: 'host-b:2', leaseUntil: at(20), now: at(10) })).toBe(false);
      });

      it('renews the lease for the owner that holds it', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        expect(await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(18), now: at(8) })).toBe(true);
        expect(await store.getRun('run_1')).toMatchObject({ owner: 'host-a:1', leaseUntil: at(18) });
      });

      it('gives a run whose lease has lapsed to a new owner', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        expect(await store.claimRun('run_1', { owner: 'host-b:2', leaseUntil: at(21), now: at(11) })).toBe(true);
        expect(await store.getRun('run_1')).toMatchObject({ owner: 'host-b:2', leaseUntil: at(21) });
      });

      it('takes a live lease over from the owner named as dead', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        expect(await store.claimRun('run_1', { owner: 'host-a:2', leaseUntil: at(15), now: at(5), takeOverFrom: 'host-a:1' })).toBe(true);
        expect(await store.getRun('run_1')).toMatchObject({ owner: 'host-a:2', leaseUntil: at(15) });
      });

      it('refuses a take-over that names someone other than the current owner', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        expect(await store.claimRun('run_1', { owner: 'host-b:2', leaseUntil: at(15), now: at(5), takeOverFrom: 'host-c:3' })).toBe(false);
        expect(await store.getRun('run_1')).toMatchObject({ owner: 'host-a:1', leaseUntil: at(10) });
      });

      it('refuses to claim a run that does not exist, and creates nothing', async () => {
        expect(await store.claimRun('run_missing', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) })).toBe(false);
        expect(await store.getRun('run_missing')).toBeUndefined();
      });

      it('releases a run for its owner, after which anyone may claim it', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        await store.releaseRun('run_1', 'host-a:1');
        const released = await store.getRun('run_1');
        expect(released).not.toHaveProperty('owner');
        expect(released).not.toHaveProperty('leaseUntil');
        expect(await store.claimRun('run_1', { owner: 'host-b:2', leaseUntil: at(11), now: at(1) })).toBe(true);
      });

      it('ignores a release by anyone but the owner', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        await store.releaseRun('run_1', 'host-b:2');
        expect(await store.getRun('run_1')).toMatchObject({ owner: 'host-a:1', leaseUntil: at(10) });
        expect(await store.claimRun('run_1', { owner: 'host-b:2', leaseUntil: at(11), now: at(1) })).toBe(false);
      });

      it('ignores a release of a run that does not exist', async () => {
        await store.releaseRun('run_missing', 'host-a:1');
        expect(await store.getRun('run_missing')).toBeUndefined();
      });

      it('leaves the rest of the run untouched when claiming and releasing', async () => {
        const run = aRun('run_1', { status: 'running', input: UNICODE_VALUE, output: { n: 0.1, big: 2 ** 53 - 1 }, error: AN_ERROR });
        await store.createRun(run);
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        expect(await store.getRun('run_1')).toEqual({ ...run, owner: 'host-a:1', leaseUntil: at(10) });
        await store.releaseRun('run_1', 'host-a:1');
        expect(await store.getRun('run_1')).toEqual(run);
      });

      it('keeps the claim across updates that do not name it', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        await store.updateRun('run_1', { status: 'running', updatedAt: at(1) });
        expect(await store.claimRun('run_1', { owner: 'host-b:2', leaseUntil: at(15), now: at(5) })).toBe(false);
        expect(await store.getRun('run_1')).toMatchObject({ status: 'running', owner: 'host-a:1', leaseUntil: at(10) });
      });

      it('gives a run to exactly one of 50 simultaneous claimers', async () => {
        await store.createRun(aRun('run_1'));
        const owners = Array.from({ length: 50 }, (_, i) => `host-${i}:${1000 + i}`);
        const results = await Promise.all(owners.map((owner) => store.claimRun('run_1', { owner: owner, leaseUntil: at(10), now: at(0) })));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = owners[results.indexOf(true)];
        expect(await store.getRun('run_1')).toMatchObject({ owner: winner, leaseUntil: at(10) });
      });
    });

    describe('fencing', () => {
      async function held(owner = 'host-a:1') {
        await store.createRun(aRun('run_1', { status: 'running' }));
        await store.claimRun('run_1', { owner: owner, leaseUntil: at(10), now: at(0) });
      }

      it('writes an update and its steps for the owner that holds the run', async () => {
        await held();
        const step = aStep('run_1', 'notify');
        await store.updateRun('run_1', { status: 'succeeded' }, { steps: [step], owner: 'host-a:1' });
        expect((await store.getRun('run_1'))?.status).toBe('succeeded');
        expect(await store.listSteps('run_1')).toEqual([step]);
      });

      it('refuses an update fenced on an owner that no longer holds the run, and writes nothing', async () => {
        await held();
        await store.claimRun('run_1', { owner: 'host-b:2', leaseUntil: at(21), now: at(11) });
        const refused = store.updateRun('run_1', { status: 'failed' }, { steps: [aStep('run_1', 'notify')], owner: 'host-a:1', journal: [{ runId: 'run_1', at: at(1), type: 'run.cancelled', actor: 'engine' }] });
        await expect(refused).rejects.toBeInstanceOf(RunFencedError);
        await expect(refused).rejects.toMatchObject({ runId: 'run_1', status: 'running', owner: 'host-b:2' });
        expect(await store.getRun('run_1')).toMatchObject({ status: 'running', owner: 'host-b:2' });
        expect(await store.listSteps('run_1')).toEqual([]);
        expect(await store.listJournal('run_1')).toEqual([]);
      });

      it('refuses a fenced update of a run that was cancelled meanwhile, even by no owner', async () => {
        await held();
        await store.updateRun('run_1', { status: 'cancelled', owner: undefined, leaseUntil: undefined });
        await expect(store.updateRun('run_1', { status: 'waiting' }, { owner: 'host-a:1' })).rejects.toMatchObject({ status: 'cancelled' });
        expect((await store.getRun('run_1'))?.status).toBe('cancelled');
      });

      it('refuses a fenced update of a run that finished, though its owner is unchanged', async () => {
        await held();
        await store.updateRun('run_1', { status: 'succeeded' });
        await expect(store.updateRun('run_1', { status: 'failed' }, { owner: 'host-a:1' })).rejects.toBeInstanceOf(RunFencedError);
        expect((await store.getRun('run_1'))?.status).toBe('succeeded');
      });

      it('puts fenced steps only for the owner that holds their run', async () => {
        await held();
        await store.putSteps([aStep('run_1', 'a')], { owner: 'host-a:1' });
        await store.releaseRun('run_1', 'host-a:1');
        await expect(store.putSteps([aStep('run_1', 'b')], { owner: 'host-a:1' })).rejects.toBeInstanceOf(RunFencedError);
        expect(byPath(await store.listSteps('run_1')).map((s) => s.path)).toEqual(['a']);
      });

      it('writes state changes with fenced steps, and none of them when the fence refuses', async () => {
        await held();
        await store.setState('sync:t', 'gone', { id: 'rec_0' });
        await store.putSteps([aStep('run_1', 'a')], {
          owner: 'host-a:1',
          state: [
            { namespace: 'sync:t', key: 'k1', value: { id: 'rec_1' } },
            { namespace: 'sync:t', key: 'gone', delete: true },
          ],
        });
        expect(await store.listState('sync:t')).toEqual([{ key: 'k1', value: { id: 'rec_1' } }]);
        await store.releaseRun('run_1', 'host-a:1');
        await expect(
          store.putSteps([aStep('run_1', 'b')], { owner: 'host-a:1', state: [{ namespace: 'sync:t', key: 'k2', value: { id: 'rec_2' } }] }),
        ).rejects.toBeInstanceOf(RunFencedError);
        expect(await store.getState('sync:t', 'k2')).toBeUndefined();
      });

      it('refuses fenced steps of a run that does not exist', async () => {
        await expect(store.putSteps([aStep('run_missing', 'a')], { owner: 'host-a:1' })).rejects.toMatchObject({ status: undefined });
        expect(await store.listSteps('run_missing')).toEqual([]);
      });

      it('renews the lease only for the owner that still holds an unfinished run', async () => {
        await held();
        expect(await store.renewLease('run_1', 'host-a:1', at(20))).toBe(true);
        expect(await store.getRun('run_1')).toMatchObject({ owner: 'host-a:1', leaseUntil: at(20) });
        expect(await store.renewLease('run_1', 'host-b:2', at(25))).toBe(false);
        await store.releaseRun('run_1', 'host-a:1');
        // A released run is not taken back by a renewal: it may belong to someone else by now.
        expect(await store.renewLease('run_1', 'host-a:1', at(30))).toBe(false);
        expect(await store.getRun('run_1')).not.toHaveProperty('owner');
        expect(await store.renewLease('run_missing', 'host-a:1', at(30))).toBe(false);
      });

      it('does not renew the lease of a finished run', async () => {
        await held();
        await store.updateRun('run_1', { status: 'cancelled' });
        expect(await store.renewLease('run_1', 'host-a:1', at(20))).toBe(false);
      });
    });

    describe('steps', () => {
      it('lists the steps put for a run', async () => {
        const first = aStep('run_1', 'fetch_offer', { output: UNICODE_VALUE });
        const second = aStep('run_1', 'each_leaver[3].notify', { status: 'running', state: { branch: 1, caught: null } });
        await store.putStep(first);
        await store.putStep(second);
        expect(byPath(await store.listSteps('run_1'))).toEqual([second, first]);
      });

      it('returns an empty list for a run without steps', async () => {
        expect(await store.listSteps('run_1')).toEqual([]);
      });

      it('replaces the step with the same run and path', async () => {
        await store.putStep(aStep('run_1', 'notify', { status: 'running', attempts: 1, state: { deadline: at(5) } }));
        const done = aStep('run_1', 'notify', { status: 'succeeded', attempts: 2, finishedAt: at(3), output: { ok: true } });
        await store.putStep(done);
        expect(await store.listSteps('run_1')).toEqual([done]);
      });

      it('puts a batch of steps, a later one with the same path replacing an earlier one', async () => {
        const kept = aStep('run_1', 'a', { output: 'kept' });
        const first = aStep('run_1', 'b', { status: 'running' });
        const second = aStep('run_1', 'b', { status: 'succeeded', output: 'second' });
        const ofRun2 = aStep('run_2', 'a');
        await store.putSteps([kept, first, second, ofRun2]);
        expect(byPath(await store.listSteps('run_1'))).toEqual([kept, second]);
        expect(await store.listSteps('run_2')).toEqual([ofRun2]);
      });

      it('does nothing when asked to put no steps', async () => {
        await store.putSteps([]);
        expect(await store.listSteps('run_1')).toEqual([]);
      });

      it('puts all of a batch of steps or none', async () => {
        const before = aStep('run_1', 'a', { output: 'before' });
        await store.putStep(before);
        // JSON cannot hold a bigint, so the write fails at the last step of the batch.
        const batch = [aStep('run_1', 'a', { output: 'after' }), aStep('run_1', 'b'), aStep('run_1', 'c', { output: { amount: 10n } })];
        await expect(store.putSteps(batch)).rejects.toThrow();
        expect(await store.listSteps('run_1')).toEqual([before]);
      });

      it('deletes the named paths and keeps the others', async () => {
        await store.putStep(aStep('run_1', 'a'));
        await store.putStep(aStep('run_1', 'b'));
        await store.putStep(aStep('run_1', 'c'));
        await store.deleteSteps('run_1', ['a', 'c', 'not-there']);
        expect((await store.listSteps('run_1')).map((s) => s.path)).toEqual(['b']);
      });

      it('does nothing when asked to delete no paths', async () => {
        await store.putStep(aStep('run_1', 'a'));
        await store.deleteSteps('run_1', []);
        expect(await store.listSteps('run_1')).toHaveLength(1);
      });

      it('keeps the steps of different runs apart', async () => {
        const ofRun1 = aStep('run_1', 'notify', { output: 'run 1' });
        const ofRun2 = aStep('run_2', 'notify', { output: 'run 2' });
        await store.putStep(ofRun1);
        await store.putStep(ofRun2);
        expect(await store.listSteps('run_1')).toEqual([ofRun1]);
        expect(await store.listSteps('run_2')).toEqual([ofRun2]);
        await store.deleteSteps('run_1', ['notify']);
        expect(await store.listSteps('run_1')).toEqual([]);
        expect(await store.listSteps('run_2')).toEqual([ofRun2]);
      });
    });

    describe('due runs', () => {
      const due = async (minutes: number, limit = 100) => (await store.dueRuns(at(minutes), limit)).map((d) => d.id);

      it('names a queued run due from when it was queued', async () => {
        await store.createRun(aRun('run_1', { status: 'queued', updatedAt: at(2) }));
        expect(await due(1)).toEqual([]);
        expect(await store.dueRuns(at(2), 10)).toEqual([{ id: 'run_1', dueAt: at(2) }]);
      });

      it('names a running run due once its lease lapses, and not while it holds', async () => {
        await store.createRun(aRun('run_1'));
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0), patch: { status: 'running' } });
        expect(await due(9)).toEqual([]);
        expect(await due(10)).toEqual(['run_1']);
        await store.renewLease('run_1', 'host-a:1', at(20));
        expect(await due(15)).toEqual([]);
      });

      it('names a waiting run due at its deadline, and never one that waits for no moment', async () => {
        await store.createRun(aRun('run_moment', { status: 'waiting', waitingUntil: at(30) }));
        await store.createRun(aRun('run_event', { status: 'waiting' }));
        expect(await due(29)).toEqual([]);
        expect(await due(30)).toEqual(['run_moment']);
        expect(await due(10_000)).toEqual(['run_moment']);
      });

      it('never names a finished run', async () => {
        for (const status of ['succeeded', 'failed', 'cancelled'] as const) await store.createRun(aRun(`run_${status}`, { status }));
        expect(await due(10_000)).toEqual([]);
        expect(await store.nextDueAt()).toBeUndefined();
      });

      it('lists due runs earliest first, at most `limit` of them', async () => {
        await store.createRun(aRun('run_3', { status: 'waiting', waitingUntil: at(3) }));
        await store.createRun(aRun('run_1', { status: 'waiting', waitingUntil: at(1) }));
        await store.createRun(aRun('run_2', { status: 'waiting', waitingUntil: at(2) }));
        expect(await due(10, 2)).toEqual(['run_1', 'run_2']);
      });

      it('follows updates: a parked run falls due at its new deadline, a finished one no more', async () => {
        await store.createRun(aRun('run_1'));
        await store.updateRun('run_1', { status: 'waiting', waitingUntil: at(40) });
        expect(await store.nextDueAt()).toBe(at(40));
        await store.updateRun('run_1', { status: 'succeeded', waitingUntil: undefined });
        expect(await store.nextDueAt()).toBeUndefined();
      });

      it('names the earliest due moment as the next, due or not', async () => {
        await store.createRun(aRun('run_later', { status: 'waiting', waitingUntil: at(50) }));
        await store.createRun(aRun('run_first', { status: 'waiting', waitingUntil: at(20) }));
        expect(await store.nextDueAt()).toBe(at(20));
      });

      it('makes a woken run due at once, earlier than its own deadline', async () => {
        await store.createRun(aRun('run_parent', { status: 'waiting', waitingUntil: at(60) }));
        await store.createRun(aRun('run_child'));
        await store.updateRun('run_child', { status: 'succeeded' }, { wake: { runId: 'run_parent', at: at(3) } });
        expect(await store.dueRuns(at(3), 10)).toEqual([{ id: 'run_parent', dueAt: at(3) }]);
        // A later wake-up does not postpone an earlier one.
        await store.updateRun('run_child', { status: 'succeeded' }, { wake: { runId: 'run_parent', at: at(9) } });
        expect(await store.nextDueAt()).toBe(at(3));
      });

      it('keeps a wake-up that arrived while the run executed until its next claim, so parking right after still wakes', async () => {
        await store.createRun(aRun('run_parent'));
        await store.claimRun('run_parent', { owner: 'host-a:1', leaseUntil: at(10), now: at(0), patch: { status: 'running' } });
        await store.createRun(aRun('run_child'));
        await store.updateRun('run_child', { status: 'succeeded' }, { wake: { runId: 'run_parent', at: at(1) } });
        await store.updateRun('run_parent', { status: 'waiting', waitingUntil: at(60), owner: undefined, leaseUntil: undefined }, { owner: 'host-a:1' });
        expect(await due(1)).toEqual(['run_parent']);
        // The next claim consumes it: the run is due at its own deadline again.
        await store.claimRun('run_parent', { owner: 'host-a:1', leaseUntil: at(12), now: at(2), patch: { status: 'running' } });
        await store.updateRun('run_parent', { status: 'waiting', waitingUntil: at(60), owner: undefined, leaseUntil: undefined });
        expect(await due(59)).toEqual([]);
      });

      it('does not wake a finished run, nor one that does not exist', async () => {
        await store.createRun(aRun('run_done', { status: 'succeeded' }));
        await store.createRun(aRun('run_child'));
        await store.updateRun('run_child', { status: 'succeeded' }, { wake: { runId: 'run_done', at: at(1) } });
        await store.updateRun('run_child', { status: 'succeeded' }, { wake: { runId: 'run_missing', at: at(1) } });
        expect(await due(10)).toEqual([]);
      });

      it('writes no wake-up when the fenced update is refused', async () => {
        await store.createRun(aRun('run_parent', { status: 'waiting' }));
        await store.createRun(aRun('run_child'));
        await store.claimRun('run_child', { owner: 'host-a:1', leaseUntil: at(10), now: at(0), patch: { status: 'running' } });
        await expect(
          store.updateRun('run_child', { status: 'succeeded' }, { owner: 'host-b:2', wake: { runId: 'run_parent', at: at(1) } }),
        ).rejects.toBeInstanceOf(RunFencedError);
        expect(await due(9)).toEqual([]);
      });
    });

    describe('journal', () => {
      const entry = (runId: string, type: JournalEntry['type'], extra: Partial<JournalEntry> = {}): JournalEntry => ({
        runId,
        at: at(1),
        type,
        actor: 'engine',
        ...extra,
      });

      it('keeps what creating, claiming, checkpointing and updating write, in order, with every field', async () => {
        await store.createRun(aRun('run_1'), [entry('run_1', 'run.retried', { actor: 'api:ops', data: { flowVersion: '1' } })]);
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0), journal: [entry('run_1', 'run.woken')] });
        await store.putSteps([aStep('run_1', 'a')], { owner: 'host-a:1', journal: [entry('run_1', 'step.started', { step: 'a', attempt: 1 })] });
        await store.updateRun('run_1', { status: 'succeeded' }, { owner: 'host-a:1', journal: [entry('run_1', 'step.succeeded', { step: 'a', attempt: 1, data: { ms: 3 } }), entry('run_1', 'run.parked')] });
        const journal = await store.listJournal('run_1');
        expect(journal.map((e) => e.type)).toEqual(['run.retried', 'run.woken', 'step.started', 'step.succeeded', 'run.parked']);
        expect(journal[0]).toMatchObject({ runId: 'run_1', at: at(1), type: 'run.retried', actor: 'api:ops', data: { flowVersion: '1' } });
        expect(journal[2]).toMatchObject({ step: 'a', attempt: 1 });
        expect(journal[2]).not.toHaveProperty('data');
        expect(journal[3]?.data).toEqual({ ms: 3 });
        expect(new Set(journal.map((e) => e.seq)).size).toBe(5);
        expect([...journal].sort((x, y) => x.seq - y.seq)).toEqual(journal);
      });

      it('writes nothing to the journal when the write it rides in is refused', async () => {
        await store.createRun(aRun('run_1'));
        await expect(store.createRun(aRun('run_1'), [entry('run_1', 'run.retried')])).rejects.toBeInstanceOf(RunExistsError);
        await store.claimRun('run_1', { owner: 'host-a:1', leaseUntil: at(10), now: at(0) });
        await expect(store.putSteps([aStep('run_1', 'a')], { owner: 'host-b:2', journal: [entry('run_1', 'step.started')] })).rejects.toBeInstanceOf(RunFencedError);
        await expect(store.updateRun('run_1', { status: 'failed' }, { owner: 'host-b:2', journal: [entry('run_1', 'run.cancelled')] })).rejects.toBeInstanceOf(RunFencedError);
        expect(await store.claimRun('run_1', { owner: 'host-b:2', leaseUntil: at(15), now: at(5), journal: [entry('run_1', 'run.woken')] })).toBe(false);
        expect(await store.listJournal('run_1')).toEqual([]);
      });

      it('keeps the journals of different runs apart, and keeps history when steps are deleted', async () => {
        await store.createRun(aRun('run_1'), [entry('run_1', 'run.retried')]);
        await store.createRun(aRun('run_2'), [entry('run_2', 'run.retried')]);
        await store.putSteps([aStep('run_1', 'a', { status: 'failed' })], { journal: [entry('run_1', 'step.failed', { step: 'a' })] });
        await store.deleteSteps('run_1', ['a']);
        expect((await store.listJournal('run_1')).map((e) => e.type)).toEqual(['run.retried', 'step.failed']);
        expect((await store.listJournal('run_2')).map((e) => e.type)).toEqual(['run.retried']);
        expect(await store.listJournal('run_missing')).toEqual([]);
      });
    });

    describe('business keys', () => {
      it('refuses a second unfinished exclusive run of a flow for one business key, naming the run that holds it', async () => {
        await store.createRun(aRun('run_1', { businessKey: 'offer-7', exclusiveKey: true }));
        const refused = store.createRun(aRun('run_2', { businessKey: 'offer-7', exclusiveKey: true }));
        await expect(refused).rejects.toBeInstanceOf(BusinessKeyTakenError);
        await expect(refused).rejects.toMatchObject({ flowId: 'offer-to-onboard', businessKey: 'offer-7', runId: 'run_1' });
        expect(await store.getRun('run_2')).toBeUndefined();
      });

      it('says a run created again is the same run, not a second holder of its key', async () => {
        await store.createRun(aRun('run_1', { businessKey: 'offer-7', exclusiveKey: true }));
        await expect(store.createRun(aRun('run_1', { businessKey: 'offer-7', exclusiveKey: true }))).rejects.toBeInstanceOf(RunExistsError);
      });

      it('lets the key be taken again once the run holding it has finished, and by other flows and keys meanwhile', async () => {
        await store.createRun(aRun('run_1', { businessKey: 'offer-7', exclusiveKey: true }));
        await store.createRun(aRun('run_other_flow', { flowId: 'other', businessKey: 'offer-7', exclusiveKey: true }));
        await store.createRun(aRun('run_other_key', { businessKey: 'offer-8', exclusiveKey: true }));
        await store.createRun(aRun('run_not_exclusive', { businessKey: 'offer-7' }));
        await store.updateRun('run_1', { status: 'succeeded' });
        await store.createRun(aRun('run_2', { businessKey: 'offer-7', exclusiveKey: true }));
        expect(ids(await store.listRuns({ businessKey: 'offer-7', flowId: 'offer-to-onboard' })).sort()).toEqual(['run_1', 'run_2', 'run_not_exclusive']);
      });
    });

    describe('listing runs by time, with cursors', () => {
      it('filters by creation time and pages through runs newest first without gaps or repeats', async () => {
        for (let i = 0; i < 7; i++) await store.createRun(aRun(`run_${i}`, { createdAt: at(i % 3 === 0 ? 10 : i) }));
        expect(ids(await store.listRuns({ createdFrom: at(2), createdBefore: at(6) }))).toEqual(['run_5', 'run_4', 'run_2']);
        const seen: string[] = [];
        let after: { createdAt: string; id: string } | undefined;
        for (;;) {
          const page = await store.listRuns({ limit: 3, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          seen.push(...ids(page));
          const last = page.at(-1)!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toEqual(ids(await store.listRuns()));
        expect(new Set(seen).size).toBe(7);
      });
    });

    describe('deliveries', () => {
      const event = (id: string, payload: Record<string, unknown> = { offer_id: 'of_1' }) => ({
        id,
        type: 'hire.offer.status_changed_v1',
        occurredAt: at(0),
        tenant: 't1',
        payload,
      });
      const accepted = (id: string, extra: Partial<NewDelivery> = {}) =>
        store.recordDelivery({ source: 'lark', receivedAt: at(1), outcome: 'accepted', event: event(id), dedupeUntil: far(1), ...extra });

      it('records an accepted event in the outbox, and a repeat within the window as a duplicate that dispatches nothing', async () => {
        const first = await accepted('ev_1');
        expect(first).toMatchObject({ source: 'lark', outcome: 'accepted', event: event('ev_1') });
        expect(first).not.toHaveProperty('dispatchedAt');
        const again = await accepted('ev_1');
        expect(again).toMatchObject({ outcome: 'duplicate', reason: { code: 'duplicate' }, dispatchedAt: at(1) });
        expect(again.id).toBeGreaterThan(first.id);
        expect((await store.undispatchedDeliveries(10)).map((d) => d.id)).toEqual([first.id]);
      });

      it('accepts the same event id again once its window has passed', async () => {
        await accepted('ev_1', { dedupeUntil: at(2) });
        expect((await accepted('ev_1', { receivedAt: at(3) })).outcome).toBe('accepted');
      });

      it('records refused deliveries with their reason, settled at once', async () => {
        const refused = await store.recordDelivery({ source: 'lark', receivedAt: at(1), outcome: 'refused', reason: { code: 'webhook.bad_signature', message: 'signature does not match' } });
        expect(refused).toMatchObject({ outcome: 'refused', reason: { code: 'webhook.bad_signature' }, dispatchedAt: at(1) });
        expect(await store.undispatchedDeliveries(10)).toEqual([]);
        expect(await store.getDelivery(refused.id)).toEqual(refused);
      });

      it('takes a delivery out of the outbox once dispatched, keeping what dispatching did', async () => {
        const first = await accepted('ev_1');
        const second = await accepted('ev_2');
        await store.markDispatched(first.id, at(2), [{ flowId: 'offer-to-onboard', runId: 'run_1', started: true }]);
        expect((await store.undispatchedDeliveries(10)).map((d) => d.id)).toEqual([second.id]);
        expect(await store.getDelivery(first.id)).toMatchObject({ dispatchedAt: at(2), dispatch: [{ flowId: 'offer-to-onboard', runId: 'run_1', started: true }], event: event('ev_1') });
      });

      it('lists deliveries newest first, by source and outcome, in pages', async () => {
        const a = await accepted('ev_1');
        const b = await store.recordDelivery({ source: 'docusign', receivedAt: at(2), outcome: 'refused', reason: { code: 'x', message: 'y' } });
        const c = await accepted('ev_2', { receivedAt: at(3) });
        expect((await store.listDeliveries()).map((d) => d.id)).toEqual([c.id, b.id, a.id]);
        expect((await store.listDeliveries({ source: 'lark' })).map((d) => d.id)).toEqual([c.id, a.id]);
        expect((await store.listDeliveries({ outcome: ['refused'] })).map((d) => d.id)).toEqual([b.id]);
        expect((await store.listDeliveries({ receivedFrom: at(2) })).map((d) => d.id)).toEqual([c.id, b.id]);
        expect((await store.listDeliveries({ before: c.id, limit: 1 })).map((d) => d.id)).toEqual([b.id]);
      });

      it('finds accepted events by a scalar at a path of the event, oldest first, from a moment on', async () => {
        const a = await accepted('ev_1', { event: event('ev_1', { envelope: { id: 'env-9' }, status: 7 }) });
        await accepted('ev_2', { event: event('ev_2', { envelope: { id: 'env-1' } }) });
        const c = await accepted('ev_3', { receivedAt: at(5), event: event('ev_3', { envelope: { id: 'env-9' } }) });
        const find = (path: string, value: string, from = at(0)) =>
          store.findEvents({ source: 'lark', type: 'hire.offer.status_changed_v1', path, value, receivedFrom: from, limit: 10 });
        expect((await find('payload.envelope.id', 'env-9')).map((d) => d.id)).toEqual([a.id, c.id]);
        expect((await find('payload.envelope.id', 'env-9', at(2))).map((d) => d.id)).toEqual([c.id]);
        expect((await find('payload.status', '7')).map((d) => d.id)).toEqual([a.id]);
        expect((await find('id', 'ev_3')).map((d) => d.id)).toEqual([c.id]);
        expect(await find('payload.envelope.id', 'env-0')).toEqual([]);
      });
    });

    describe('listens', () => {
      const listen = (value: string, since = at(0)) => ({
        kind: 'event' as const,
        connection: 'docusign',
        type: 'envelope-completed',
        path: 'payload.envelopeId',
        value,
        step: 'signed',
        since,
      });
      const deliver = (value: string, receivedAt = at(3)) =>
        store.recordDelivery({
          source: 'docusign',
          receivedAt,
          outcome: 'accepted',
          event: { id: `ev_${value}_${receivedAt}`, type: 'envelope-completed', occurredAt: receivedAt, payload: { envelopeId: value } },
        });

      it('names the runs waiting for a delivery by its key, and no others', async () => {
        await store.createRun(aRun('run_a'));
        await store.createRun(aRun('run_b'));
        await store.createRun(aRun('run_c'));
        await store.updateRun('run_a', { status: 'waiting', waitingFor: [listen('env-1')] });
        await store.updateRun('run_b', { status: 'waiting', waitingFor: [listen('env-1')] });
        await store.updateRun('run_c', { status: 'waiting', waitingFor: [listen('env-2')] });
        const delivery = await deliver('env-1');
        expect(await store.listenersOf(delivery.id)).toEqual([
          { runId: 'run_a', step: 'signed' },
          { runId: 'run_b', step: 'signed' },
        ]);
      });

      it('wakes the runs an event concerns, each at once', async () => {
        await store.createRun(aRun('run_a'));
        await store.updateRun('run_a', { status: 'waiting', waitingFor: [listen('env-1')], waitingUntil: at(600) });
        await store.wakeRuns(['run_a', 'run_missing'], at(3));
        expect(await store.dueRuns(at(3), 10)).toEqual([{ id: 'run_a', dueAt: at(3) }]);
      });

      it('wakes the runs listening for a delivery in the write that records it, and names them', async () => {
        await store.createRun(aRun('run_a'));
        await store.updateRun('run_a', { status: 'waiting', waitingFor: [listen('env-1')], waitingUntil: at(600) });
        const delivery = await deliver('env-1');
        expect(delivery.dispatch).toEqual([{ runId: 'run_a', woken: true, step: 'signed' }]);
        expect(await store.dueRuns(at(3), 10)).toEqual([{ id: 'run_a', dueAt: at(3) }]);
        // Dispatching it later adds what the flows' triggers did, keeping the wake-ups.
        await store.markDispatched(delivery.id, at(4), [{ flowId: 'f', runId: 'run_b', started: true }, { runId: 'run_a', woken: true, step: 'signed' }]);
        expect((await store.getDelivery(delivery.id))?.dispatch).toEqual([
          { runId: 'run_a', woken: true, step: 'signed' },
          { flowId: 'f', runId: 'run_b', started: true },
        ]);
      });

      it('settles at once a delivery no flow starts from, keeping it out of the outbox', async () => {
        const settled = await store.recordDelivery({
          source: 'docusign',
          receivedAt: at(3),
          outcome: 'accepted',
          triggers: false,
          event: { id: 'ev_x', type: 'envelope-completed', occurredAt: at(3), payload: { envelopeId: 'env-9' } },
        });
        expect(settled).toMatchObject({ outcome: 'accepted', dispatchedAt: at(3) });
        expect(await store.undispatchedDeliveries(10)).toEqual([]);
        expect(await store.findEvents({ source: 'docusign', type: 'envelope-completed', path: 'payload.envelopeId', value: 'env-9', receivedFrom: at(0), limit: 5 })).toHaveLength(1);
      });

      it('indexes no keys of a delivery no run can listen for (a hook’s), and wakes no listener with it', async () => {
        await store.createRun(aRun('run_a'));
        await store.updateRun('run_a', { status: 'waiting', waitingFor: [listen('env-1')] });
        const hooked = await store.recordDelivery({
          source: 'docusign',
          receivedAt: at(3),
          outcome: 'accepted',
          listenable: false,
          event: { id: 'ev_h', type: 'envelope-completed', occurredAt: at(3), payload: { envelopeId: 'env-1' } },
        });
        expect(hooked.outcome).toBe('accepted');
        // Recorded without its run (as an earlier release did), it waits in the outbox for the dispatcher.
        expect((await store.undispatchedDeliveries(10)).map((d) => d.id)).toEqual([hooked.id]);
        expect(await store.findEvents({ source: 'docusign', type: 'envelope-completed', path: 'payload.envelopeId', value: 'env-1', receivedFrom: at(0), limit: 5 })).toEqual([]);
        expect((await store.getRun('run_a'))?.status).toBe('waiting');
      });

      describe('settled with the run they start (a hook’s)', () => {
        const event = (id: string) => ({ id, type: 'hook', occurredAt: at(0), payload: { name: 'Ada' } });
        const hook = (id: string, settle: NonNullable<NewDelivery['settle']>, extra: Partial<NewDelivery> = {}) =>
          store.recordDelivery({ source: 'hook:f', receivedAt: at(2), outcome: 'accepted', listenable: false, event: event(id), dedupeUntil: far(1), settle, ...extra });

        it('creates the run in the same write and keeps the delivery out of the outbox', async () => {
          const delivery = await hook('ev_h1', { run: aRun('run_h1') });
          expect(delivery).toMatchObject({ outcome: 'accepted', dispatchedAt: at(2), dispatch: [{ flowId: 'offer-to-onboard', runId: 'run_h1', started: true }] });
          expect((await store.getDelivery(delivery.id))?.dispatch).toEqual(delivery.dispatch);
          expect((await store.getRun('run_h1'))?.status).toBe('queued');
          expect(await store.undispatchedDeliveries(10)).toEqual([]);
        });

        it('creates nothing for a duplicate, and leaves a run that exists under the id as it is', async () => {
          await hook('ev_h2', { run: aRun('run_h2') }, { dedupeUntil: at(3) });
          await store.updateRun('run_h2', { status: 'succeeded' });
          const again = await hook('ev_h2', { run: aRun('run_h2_other') });
          expect(again.outcome).toBe('duplicate');
          expect(await store.getRun('run_h2_other')).toBeUndefined();
          // The same event again once its window has passed: the run it started is found, not made again.
          const late = await hook('ev_h2', { run: aRun('run_h2') }, { receivedAt: at(4) });
          expect(late).toMatchObject({ outcome: 'accepted', dispatch: [{ runId: 'run_h2', started: true }] });
          expect((await store.getRun('run_h2'))?.status).toBe('succeeded');
        });

        it('starts nothing when the business key is taken, and records why; or records a refusal as given', async () => {
          await store.createRun(aRun('run_holder', { businessKey: 'offer-7', exclusiveKey: true }));
          const taken = await hook('ev_h3', { run: aRun('run_h3', { businessKey: 'offer-7', exclusiveKey: true }) });
          expect(taken.dispatch).toEqual([{ flowId: 'offer-to-onboard', runId: 'run_holder', started: false, reason: expect.stringContaining('business key offer-7') }]);
          expect(await store.getRun('run_h3')).toBeUndefined();
          const refused = await hook('ev_h4', { flowId: 'f', refused: 'flow.invalid_input: input of flow f is invalid' });
          expect(refused).toMatchObject({ dispatchedAt: at(2), dispatch: [{ flowId: 'f', started: false, reason: 'flow.invalid_input: input of flow f is invalid' }] });
          expect(await store.undispatchedDeliveries(10)).toEqual([]);
        });
      });

      it('records deliveries that arrive together each with its own number and outcome', async () => {
        const recorded = await Promise.all(
          ['a', 'b', 'a'].map((id) =>
            store.recordDelivery({ source: 'lark', receivedAt: at(1), outcome: 'accepted', dedupeUntil: far(1), event: { id, type: 't', occurredAt: at(1), payload: {} } }),
          ),
        );
        expect(recorded.map((d) => d.outcome)).toEqual(['accepted', 'accepted', 'duplicate']);
        expect(new Set(recorded.map((d) => d.id)).size).toBe(3);
      });

      it('stops listening once the run stops waiting', async () => {
        await store.createRun(aRun('run_a'));
        await store.updateRun('run_a', { status: 'waiting', waitingFor: [listen('env-1')] });
        await store.claimRun('run_a', { owner: 'host-a:1', leaseUntil: at(10), now: at(1), patch: { status: 'running', waitingFor: undefined } });
        expect(await store.listenersOf((await deliver('env-1')).id)).toEqual([]);
      });

      it('wakes at once a run that parks listening for an event that arrived since it began waiting', async () => {
        await deliver('env-1', at(2));
        await store.createRun(aRun('run_late'));
        await store.createRun(aRun('run_earlier_event'));
        await store.updateRun('run_late', { status: 'waiting', waitingFor: [listen('env-1', at(1))], waitingUntil: at(600), updatedAt: at(4) });
        await store.updateRun('run_earlier_event', { status: 'waiting', waitingFor: [listen('env-1', at(3))], waitingUntil: at(600), updatedAt: at(4) });
        expect(await store.dueRuns(at(4), 10)).toEqual([{ id: 'run_late', dueAt: at(4) }]);
      });
    });

    describe('schedules', () => {
      const schedule = (key: string, fireAt: string, extra: Partial<NewSchedule> = {}) =>
        store.putSchedule({ key, flowId: 'deactivate', input: { employmentId: key }, fireAt, createdBy: 'run:run_1/schedule', at: at(0), ...extra });

      it('keeps a schedule pending under its key, and lists pending ones by moment', async () => {
        const put = await schedule('deactivate:e1', at(30), { timeZone: 'Asia/Shanghai' });
        expect(put).toMatchObject({ key: 'deactivate:e1', flowId: 'deactivate', fireAt: at(30), status: 'pending', generation: 1, timeZone: 'Asia/Shanghai', createdAt: at(0) });
        await schedule('deactivate:e2', at(10));
        expect((await store.listSchedules({ status: ['pending'] })).map((x) => x.key)).toEqual(['deactivate:e2', 'deactivate:e1']);
        expect(await store.getSchedule('deactivate:e1')).toEqual(put);
        expect(await store.nextScheduleAt()).toBe(at(10));
        expect(await store.pendingSchedules()).toBe(2);
      });

      it('replaces what a key held when it is scheduled again, and changes nothing when the same scheduler repeats itself', async () => {
        await schedule('k', at(30));
        const repeated = await schedule('k', at(30), { at: at(5) });
        expect(repeated.generation).toBe(1);
        const moved = await schedule('k', at(40), { createdBy: 'run:run_2/schedule', at: at(6) });
        expect(moved).toMatchObject({ fireAt: at(40), generation: 2, createdBy: 'run:run_2/schedule', createdAt: at(0), updatedAt: at(6) });
        expect(await store.listSchedules()).toHaveLength(1);
      });

      it('cancels and moves only a pending schedule', async () => {
        await schedule('k', at(30));
        expect(await store.moveSchedule('k', at(50), at(1))).toMatchObject({ fireAt: at(50), generation: 2, status: 'pending' });
        expect(await store.cancelSchedule('k', at(2))).toMatchObject({ status: 'cancelled' });
        expect(await store.cancelSchedule('k', at(3))).toBeUndefined();
        expect(await store.moveSchedule('k', at(60), at(3))).toBeUndefined();
        expect(await store.cancelSchedule('missing', at(3))).toBeUndefined();
        expect(await store.dueSchedules(at(1000), 10)).toEqual([]);
        // Scheduling a cancelled key again makes it pending again.
        expect(await schedule('k', at(70), { at: at(4) })).toMatchObject({ status: 'pending', generation: 3 });
      });

      it('names due schedules earliest first and fires each generation once, with its run, in one write', async () => {
        await schedule('a', at(5));
        await schedule('b', at(3));
        await schedule('c', at(90));
        const due = await store.dueSchedules(at(5), 10);
        expect(due.map((x) => x.key)).toEqual(['b', 'a']);
        const run = aRun('run_sched_b', { flowId: 'deactivate' });
        expect(await store.fireSchedules([{ key: 'b', generation: 1, run }])).toEqual([{ fired: true }]);
        expect(await store.fireSchedules([{ key: 'b', generation: 1, run: aRun('run_sched_b_again') }])).toEqual([{ fired: false }]);
        expect(await store.getRun('run_sched_b')).toEqual(run);
        expect(await store.getRun('run_sched_b_again')).toBeUndefined();
        expect(await store.getSchedule('b')).toMatchObject({ status: 'fired', runId: 'run_sched_b' });
        // A schedule moved since it was read is not fired at its old generation.
        await store.moveSchedule('a', at(6), at(5));
        expect(await store.fireSchedules([{ key: 'a', generation: 1, run: aRun('run_sched_a') }])).toEqual([{ fired: false }]);
        expect(await store.getRun('run_sched_a')).toBeUndefined();
        expect((await store.dueSchedules(at(5), 10)).map((x) => x.key)).toEqual([]);
      });

      it('fires a batch in one write, each firing on its own: one refused for a business key leaves the others fired', async () => {
        await store.createRun(aRun('run_holder', { flowId: 'deactivate', status: 'running', businessKey: 'E1', exclusiveKey: true }));
        for (const key of ['p', 'q', 'r']) await schedule(key, at(1));
        const outcomes = await store.fireSchedules([
          { key: 'p', generation: 1, run: aRun('run_p', { flowId: 'deactivate' }) },
          { key: 'q', generation: 1, run: aRun('run_q', { flowId: 'deactivate', businessKey: 'E1', exclusiveKey: true }) },
          { key: 'r', generation: 2, run: aRun('run_r', { flowId: 'deactivate' }) },
        ]);
        expect(outcomes.map((o) => o.fired)).toEqual([true, false, false]);
        expect(outcomes[1]).toMatchObject({ taken: { runId: 'run_holder' } });
        expect(await store.getRun('run_p')).toBeDefined();
        expect(await store.getRun('run_q')).toBeUndefined();
        expect(await store.getSchedule('q')).toMatchObject({ status: 'pending' });
        expect(await store.getSchedule('r')).toMatchObject({ status: 'pending' });
      });

      it('pages schedules by moment and filters by key prefix, flow and window', async () => {
        for (const [key, minute] of [['deactivate:1', 5], ['deactivate:2', 5], ['remind:1', 4], ['deactivate:3', 9]] as const) await schedule(key, at(minute));
        expect((await store.listSchedules({ keyPrefix: 'deactivate:' })).map((x) => x.key)).toEqual(['deactivate:1', 'deactivate:2', 'deactivate:3']);
        expect((await store.listSchedules({ fireFrom: at(5), fireBefore: at(9) })).map((x) => x.key)).toEqual(['deactivate:1', 'deactivate:2']);
        expect((await store.listSchedules({ limit: 2, after: { fireAt: at(5), key: 'deactivate:1' } })).map((x) => x.key)).toEqual(['deactivate:2', 'deactivate:3']);
        expect(await store.listSchedules({ flowId: 'other' })).toEqual([]);
      });
    });

    describe('counts', () => {
      it('counts runs by flow and status, and waiting runs with the oldest one due', async () => {
        await store.createRun(aRun('run_1', { flowId: 'a', status: 'succeeded' }));
        await store.createRun(aRun('run_2', { flowId: 'a', status: 'succeeded' }));
        await store.createRun(aRun('run_3', { flowId: 'b', status: 'waiting', waitingUntil: at(5) }));
        await store.createRun(aRun('run_4', { flowId: 'b', status: 'waiting', waitingUntil: at(50) }));
        const counts = await store.runsByFlowAndStatus();
        expect([...counts].sort((x, y) => x.flowId.localeCompare(y.flowId))).toEqual([
          { flowId: 'a', status: 'succeeded', count: 2 },
          { flowId: 'b', status: 'waiting', count: 2 },
        ]);
        expect(await store.pendingWakeUps(at(10))).toEqual({ waiting: 2, oldestDue: at(5) });
        expect(await store.pendingWakeUps(at(1))).toEqual({ waiting: 2, oldestDue: undefined });
      });
    });

    describe('idempotency keys', () => {
      it('lets the first caller win: it gets undefined, later callers get its value', async () => {
        expect(await store.claimIdempotencyKey('lark', 'key-1', 'first', FUTURE)).toBeUndefined();
        expect(await store.claimIdempotencyKey('lark', 'key-1', 'second', FUTURE)).toBe('first');
        expect(await store.claimIdempotencyKey('lark', 'key-1', 'third', FUTURE)).toBe('first');
      });

      it('lets an expired key be claimed again', async () => {
        expect(await store.claimIdempotencyKey('lark', 'key-1', 'stale', PAST)).toBeUndefined();
        expect(await store.claimIdempotencyKey('lark', 'key-1', 'fresh', FUTURE)).toBeUndefined();
        expect(await store.claimIdempotencyKey('lark', 'key-1', 'late', FUTURE)).toBe('fresh');
      });

      it('keeps scopes and keys independent', async () => {
        expect(await store.claimIdempotencyKey('lark', 'key-1', 'lark-1', FUTURE)).toBeUndefined();
        expect(await store.claimIdempotencyKey('corehr', 'key-1', 'corehr-1', FUTURE)).toBeUndefined();
        expect(await store.claimIdempotencyKey('lark', 'key-2', 'lark-2', FUTURE)).toBeUndefined();
        expect(await store.claimIdempotencyKey('lark', 'key-1', 'x', FUTURE)).toBe('lark-1');
        expect(await store.claimIdempotencyKey('corehr', 'key-1', 'x', FUTURE)).toBe('corehr-1');
      });

      it('lets exactly one of many simultaneous claimers win', async () => {
        const values = Array.from({ length: 20 }, (_, i) => `value-${i}`);
        const results = await Promise.all(values.map((value) => store.claimIdempotencyKey('lark', 'key-1', value, FUTURE)));
        const winners = values.filter((_, i) => results[i] === undefined);
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => r !== undefined).every((r) => r === winners[0])).toBe(true);
      });
    });

    describe('seen events', () => {
      it('reports an event as new the first time and as a repeat after that', async () => {
        expect(await store.markEventSeen('lark', 'ev_1', FUTURE)).toBe(true);
        expect(await store.markEventSeen('lark', 'ev_1', FUTURE)).toBe(false);
        expect(await store.markEventSeen('lark', 'ev_1', FUTURE)).toBe(false);
      });

      it('reports an event as new again once its mark has expired', async () => {
        expect(await store.markEventSeen('lark', 'ev_1', PAST)).toBe(true);
        expect(await store.markEventSeen('lark', 'ev_1', FUTURE)).toBe(true);
        expect(await store.markEventSeen('lark', 'ev_1', FUTURE)).toBe(false);
      });

      it('keeps sources and event ids independent', async () => {
        expect(await store.markEventSeen('lark', 'ev_1', FUTURE)).toBe(true);
        expect(await store.markEventSeen('docusign', 'ev_1', FUTURE)).toBe(true);
        expect(await store.markEventSeen('lark', 'ev_2', FUTURE)).toBe(true);
        expect(await store.markEventSeen('docusign', 'ev_1', FUTURE)).toBe(false);
      });

      it('keeps event marks apart from idempotency keys', async () => {
        expect(await store.markEventSeen('lark', 'x', FUTURE)).toBe(true);
        expect(await store.claimIdempotencyKey('lark', 'x', 'v', FUTURE)).toBeUndefined();
      });

      it('reports a burst of deliveries of one event as new exactly once', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.markEventSeen('lark', 'ev_1', FUTURE)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('purging expired keys', () => {
      it('removes only the keys and event marks expired at the given moment, and counts them', async () => {
        await store.claimIdempotencyKey('lark', 'gone', 'old', far(1));
        await store.claimIdempotencyKey('lark', 'at-the-moment', 'old', far(5));
        await store.claimIdempotencyKey('lark', 'kept', 'kept', far(9));
        await store.markEventSeen('lark', 'ev_gone', far(2));
        await store.markEventSeen('lark', 'ev_kept', far(8));

        expect(await store.purgeExpired(far(5))).toBe(3);

        expect(await store.claimIdempotencyKey('lark', 'gone', 'new', FUTURE)).toBeUndefined();
        expect(await store.claimIdempotencyKey('lark', 'at-the-moment', 'new', FUTURE)).toBeUndefined();
        expect(await store.claimIdempotencyKey('lark', 'kept', 'new', FUTURE)).toBe('kept');
        expect(await store.markEventSeen('lark', 'ev_gone', FUTURE)).toBe(true);
        expect(await store.markEventSeen('lark', 'ev_kept', FUTURE)).toBe(false);
      });

      it('counts nothing when nothing has expired, or when it already purged', async () => {
        await store.claimIdempotencyKey('lark', 'k', 'v', far(9));
        await store.markEventSeen('lark', 'ev', far(1));
        expect(await store.purgeExpired(far(0))).toBe(0);
        expect(await store.purgeExpired(far(5))).toBe(1);
        expect(await store.purgeExpired(far(5))).toBe(0);
      });
    });

    describe('state', () => {
      it('returns undefined for a key never set', async () => {
        expect(await store.getState('sync', 'cursor')).toBeUndefined();
      });

      it('returns the value set, and the latest one after overwriting', async () => {
        await store.setState('sync', 'cursor', 'page-1');
        expect(await store.getState('sync', 'cursor')).toBe('page-1');
        await store.setState('sync', 'cursor', { page: 2 });
        expect(await store.getState('sync', 'cursor')).toEqual({ page: 2 });
      });

      it('round-trips JSON values: nested objects, arrays, unicode, numbers, booleans and null', async () => {
        const values: [string, unknown][] = [
          ['object', UNICODE_VALUE],
          ['array', [1, 'two', [3, { four: 4 }], null, true]],
          ['string', 'Zoë 张伟 😀 \u0000 "quoted" \\ \n'],
          ['number', -12.5e-3],
          ['integer', Number.MAX_SAFE_INTEGER],
          ['boolean', false],
          ['null', null],
          ['empty', {}],
        ];
        for (const [key, value] of values) await store.setState('ns', key, value);
        for (const [key, value] of values) expect(await store.getState('ns', key)).toEqual(value);
      });

      it('tells a stored null from a missing key', async () => {
        await store.setState('ns', 'k', null);
        expect(await store.getState('ns', 'k')).toBeNull();
      });

      it('reads many keys at once, leaving out those never set', async () => {
        const keys = Array.from({ length: 1200 }, (_, i) => `emp:${i}`);
        for (const key of keys.filter((_, i) => i % 3 === 0)) await store.setState('map', key, { id: key.toUpperCase() });
        await store.setState('other', 'emp:1', 'other namespace');
        const found = await store.getStates('map', [...keys, 'never']);
        expect(found.size).toBe(400);
        expect(found.get('emp:999')).toEqual({ id: 'EMP:999' });
        expect(found.has('emp:1')).toBe(false);
        expect((await store.getStates('map', [])).size).toBe(0);
      });

      it('lists a large namespace page by page, after a key and up to a limit', async () => {
        for (const key of ['a1', 'a2', 'a3', 'a4', 'a5', 'b1']) await store.setState('map', key, key);
        const first = await store.listState('map', 'a', { limit: 2 });
        expect(first.map((e) => e.key)).toEqual(['a1', 'a2']);
        expect((await store.listState('map', 'a', { after: 'a2', limit: 2 })).map((e) => e.key)).toEqual(['a3', 'a4']);
        expect((await store.listState('map', 'a', { after: 'a4' })).map((e) => e.key)).toEqual(['a5']);
        expect((await store.listState('map', '', { after: 'a5' })).map((e) => e.key)).toEqual(['b1']);
      });

      it('deletes a key, and ignores one never set', async () => {
        await store.setState('ns', 'a', 1);
        await store.setState('ns', 'b', 2);
        await store.deleteState('ns', 'a');
        await store.deleteState('ns', 'never');
        expect(await store.getState('ns', 'a')).toBeUndefined();
        expect(await store.listState('ns')).toEqual([{ key: 'b', value: 2 }]);
      });

      it('keeps namespaces apart', async () => {
        await store.setState('employees', 'id:1', 'e-1');
        await store.setState('departments', 'id:1', 'd-1');
        await store.deleteState('departments', 'id:1');
        expect(await store.getState('employees', 'id:1')).toBe('e-1');
        expect(await store.listState('employees')).toEqual([{ key: 'id:1', value: 'e-1' }]);
        expect(await store.listState('departments')).toEqual([]);
      });

      it('lists a namespace in key order, by code point', async () => {
        // Code point order is UTF-8 byte order; UTF-16 order would put the emoji before U+FF21.
        const keys = ['b', 'a😀', 'B', 'a', 'a\uff21', 'a-1', 'a10', 'a2'];
        for (const key of keys) await store.setState('ns', key, key.length);
        expect((await store.listState('ns')).map((e) => e.key)).toEqual(['B', 'a', 'a-1', 'a10', 'a2', 'a\uff21', 'a😀', 'b']);
      });

      it('lists only the keys that start with a prefix, in key order, with their values', async () => {
        await store.setState('map', 'emp:2', { id: 'e2' });
        await store.setState('map', 'emp:1', { id: 'e1' });
        await store.setState('map', 'emp', 'not under the prefix');
        await store.setState('map', 'dept:1', { id: 'd1' });
        await store.setState('map', 'emq:1', 'next prefix');
        await store.setState('other', 'emp:3', 'other namespace');
        expect(await store.listState('map', 'emp:')).toEqual([
          { key: 'emp:1', value: { id: 'e1' } },
          { key: 'emp:2', value: { id: 'e2' } },
        ]);
        expect(await store.listState('map', 'none:')).toEqual([]);
      });

      it('lists keys that continue the prefix with any character', async () => {
        const keys = ['p:\u007f', 'p:\u00e9', 'p:\uffff', 'p:😀', 'p:😀x', 'p:\u{10ffff}'];
        for (const key of keys) await store.setState('ns', key, true);
        await store.setState('ns', 'p;', false);
        expect((await store.listState('ns', 'p:')).map((e) => e.key)).toEqual(keys);
        expect((await store.listState('ns', 'p:😀')).map((e) => e.key)).toEqual(['p:😀', 'p:😀x']);
        expect((await store.listState('ns', 'p:\u{10ffff}')).map((e) => e.key)).toEqual(['p:\u{10ffff}']);
        for (const key of ['q\ud7ff', 'q\ud7ffz', 'q\ue000']) await store.setState('ns', key, true);
        expect((await store.listState('ns', 'q\ud7ff')).map((e) => e.key)).toEqual(['q\ud7ff', 'q\ud7ffz']);
      });

      it('treats the prefix literally, wildcard characters included', async () => {
        for (const key of ['a*', 'a*b', 'ab', 'a%', 'a%b', 'a_b', 'a?', 'a[b]', 'a.b']) await store.setState('ns', key, key);
        expect((await store.listState('ns', 'a*')).map((e) => e.key)).toEqual(['a*', 'a*b']);
        expect((await store.listState('ns', 'a%')).map((e) => e.key)).toEqual(['a%', 'a%b']);
        expect((await store.listState('ns', 'a_')).map((e) => e.key)).toEqual(['a_b']);
        expect((await store.listState('ns', 'a?')).map((e) => e.key)).toEqual(['a?']);
        expect((await store.listState('ns', 'a[')).map((e) => e.key)).toEqual(['a[b]']);
      });
    });

    describe('closing', () => {
      it('can be closed twice', async () => {
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
      });
    });
  });
}

const BASE = Date.UTC(2025, 2, 1, 9, 0, 0);
/** A moment `minutes` after a fixed base, as the store sees timestamps. */
function at(minutes: number): string {
  return new Date(BASE + minutes * 60_000).toISOString();
}
/** A moment in the 2990s: explicit enough for purges, later than any wall clock this suite runs under. */
function far(year: number): string {
  return new Date(Date.UTC(2990 + year, 0, 1)).toISOString();
}
const PAST = '2000-01-01T00:00:00.000Z';
const FUTURE = '2999-12-31T00:00:00.000Z';

const FLOW_CONTENT = JSON.stringify({ id: 'offer-to-onboard', version: '1', title: 'Offre → embauche 入职', steps: [] });
const UNICODE_VALUE = {
  name: 'Zoë Ødegård',
  chinese: '张伟',
  emoji: '🎉👩🏽‍💻',
  nested: { list: [1, { deep: ['ü', null, true] }], empty: [] },
};
const AN_ERROR = { code: 'E1', message: 'first', category: 'client', step: 'create_prehire' } as const;

function aRun(id: string, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    flowId: 'offer-to-onboard',
    flowVersion: '1',
    flowHash: 'sha256:aa',
    status: 'queued',
    input: { offerId: 'of_1' },
    createdAt: at(0),
    updatedAt: at(0),
    ...fields,
  };
}

function aStep(runId: string, path: string, fields: Partial<StepRecord> = {}): StepRecord {
  const stepId = path.slice(path.lastIndexOf('.') + 1);
  return { runId, path, stepId, kind: 'call', status: 'succeeded', attempts: 1, startedAt: at(1), updatedAt: at(2), ...fields };
}

function ids(runs: RunRecord[]): string[] {
  return runs.map((run) => run.id);
}

/** The contract leaves the order of a run's steps open. */
function byPath(steps: StepRecord[]): StepRecord[] {
  return [...steps].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
