import { describe, expect, it } from 'vitest';
import type { SeededCompany, SeededEmployee } from '../../src/sandbox/seed-company.js';
import { actionContext } from '../../test/support/action-context.js';
import { larkSandboxConnection } from '../../test/support/lark-sandbox.js';
import { sandboxStarter, seededEmployee } from '../../test/support/sandbox-session.js';
import { lumpSumsDestination } from './lump-sums-sync.js';

const people: SeededEmployee[] = ['1', '2'].map((key) => seededEmployee(key, { departmentId: 'D1', workLocationId: 'L1' }));
const company: SeededCompany = {
  name: 'Acme',
  workLocations: [{ id: 'L1', name: 'HQ', timeZone: 'Asia/Shanghai' }],
  departments: [{ id: 'D1', name: 'R&D', parentId: undefined, leaderEmploymentId: undefined }],
  employees: people,
  offers: [],
};
const startSandbox = sandboxStarter(company, Date.parse('2026-01-15T09:00:00Z'));

function payment(userId: string, amount: string) {
  return {
    user_id: userId,
    total_amount: amount,
    currency_id: 'CNY',
    item_id: 'bonus',
    binding_period: 0,
    issuance_frequency: 1,
    details: [{ issuance_amount: amount, issuance_status: 'to_be_issued', issuance_way: 'with_salary', issuance_time: '2026-01-31', belong_time: '2026-01-15' }],
  };
}

describe('lark-payroll lump_sums sync destination', () => {
  it('pays each record under its sync key as unique_id, fails the ones Lark rejects alone, and never pays a key twice', async () => {
    const s = await startSandbox();
    const context = actionContext(larkSandboxConnection('lark-payroll', await s.listen()));
    const items = [
      { key: '2025:rec1:ou_1', fields: payment('ou_1', '1200.50') },
      { key: '2025:rec2:ou_ghost', fields: payment('ou_ghost', '800.00') },
      { key: '2025:rec3:ou_2', fields: { ...payment('ou_2', '300.00'), total_amount: '301.00' } },
    ];
    const results = await lumpSumsDestination.write('create', {}, items, context);
    expect(results).toEqual([
      { key: '2025:rec1:ou_1', id: expect.stringMatching(/^lsp/) },
      { key: '2025:rec2:ou_ghost', error: { code: 'vendor.21270223', message: 'Employee does not exist' } },
      { key: '2025:rec3:ou_2', error: { code: 'vendor.21270206', message: 'The sum of the bonus details does not equal the total amount' } },
    ]);
    const again = await lumpSumsDestination.write('create', {}, [items[0]!], context);
    expect(again).toEqual([results[0]]);
    const state = s.context.state<{ lumpSums: Record<string, { user_id: string; total_amount: string }> }>('lark-payroll', () => ({ lumpSums: {} }));
    expect(Object.keys(state.lumpSums)).toEqual(['2025:rec1:ou_1']);
    expect(state.lumpSums['2025:rec1:ou_1']).toMatchObject({ user_id: 'ou_1', total_amount: '1200.50' });
  });

  it('refuses to change or remove a payment it made, per record, without calling Lark', async () => {
    const context = actionContext(undefined);
    const items = [{ key: 'k1', id: 'lsp1', fields: payment('ou_1', '10.00') }];
    for (const operation of ['update', 'delete'] as const) {
      expect(await lumpSumsDestination.write(operation, {}, items, context)).toEqual([{ key: 'k1', error: { code: 'payroll.lump_sum_created', message: expect.stringContaining('correct it in Lark Compensation') } }]);
    }
  });
});
