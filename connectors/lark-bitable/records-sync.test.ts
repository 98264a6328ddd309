import { describe, expect, it } from 'vitest';
import { actionContext } from '../../test/support/action-context.js';
import { larkSandboxConnection } from '../../test/support/lark-sandbox.js';
import { emptyCompany, sandboxStarter } from '../../test/support/sandbox-session.js';
import { recordsDestination } from './records-sync.js';
import { SANDBOX_APP_TOKEN } from './sandbox.js';

const startSandbox = sandboxStarter(emptyCompany('Acme'), Date.parse('2026-01-15T09:00:00Z'));
const TABLE = { app_token: SANDBOX_APP_TOKEN, table_id: 'tblTalentReview' };

function rows(s: Awaited<ReturnType<typeof startSandbox>>): Record<string, Record<string, unknown>> {
  const state = s.context.state<{ apps: Record<string, { tables: Record<string, { records: Record<string, Record<string, unknown>> }> }> }>('lark-bitable', () => {
    throw new Error('no bitable state');
  });
  return state.apps[SANDBOX_APP_TOKEN]!.tables.tblTalentReview!.records;
}

describe('lark-bitable records sync destination with match_field', () => {
  it('updates the row already holding the match value instead of creating another, and creates the rest', async () => {
    const s = await startSandbox();
    const context = (key: string) => actionContext(larkSandboxConnection('lark-bitable', baseUrl), { idempotencyKey: key });
    const baseUrl = await s.listen();
    const employees = await recordsDestination.write(
      'create',
      TABLE,
      [
        { key: 'ou_1', fields: { 'Open ID': 'ou_1', Name: 'Ada' } },
        { key: 'ou_2', fields: { 'Open ID': 'ou_2', Name: 'Bo' } },
      ],
      context('0b7c9e1a-2f3d-4c5b-8a6e-1d2c3b4a5f60'),
    );
    expect(employees.every((r) => 'id' in r)).toBe(true);
    const ratings = await recordsDestination.write(
      'create',
      { ...TABLE, match_field: 'Open ID' },
      [
        { key: 'ou_2', fields: { 'Open ID': 'ou_2', Rating: 'A' } },
        { key: 'ou_3', fields: { 'Open ID': 'ou_3', Rating: 'B' } },
      ],
      context('5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716'),
    );
    expect(ratings[0]).toEqual({ key: 'ou_2', id: (employees[1] as { id: string }).id });
    expect(ratings[1]).toMatchObject({ key: 'ou_3', id: expect.any(String) });
    expect(Object.values(rows(s))).toEqual([
      { 'Open ID': 'ou_1', Name: 'Ada' },
      { 'Open ID': 'ou_2', Name: 'Bo', Rating: 'A' },
      { 'Open ID': 'ou_3', Rating: 'B' },
    ]);

    // The same batch sent again (a crash before its checkpoint) finds its rows rather than doubling them.
    const resent = await recordsDestination.write(
      'create',
      { ...TABLE, match_field: 'Open ID' },
      [
        { key: 'ou_2', fields: { 'Open ID': 'ou_2', Rating: 'A' } },
        { key: 'ou_3', fields: { 'Open ID': 'ou_3', Rating: 'B' } },
      ],
      context('5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716'),
    );
    expect(resent).toEqual(ratings);
    expect(Object.keys(rows(s))).toHaveLength(3);
  });
});
