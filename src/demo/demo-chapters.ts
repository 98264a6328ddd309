import { DateTime } from 'luxon';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../sandbox/sandbox-server.js';
import type { SeededEmployee } from '../sandbox/seed-company.js';
import type { ScheduleRecord } from '../store/records.js';
import { apiCall, bothClocks, deliver, runOf, sandboxCall, until, type StoryContext } from './demo-story.js';

/** One part of the story: its title, and what it does and shows. */
export interface Chapter {
  title: string;
  play(story: StoryContext): Promise<void>;
}

/** Read straight from the sandbox's fakes, to show the effect a run had at the vendor. */
function fake<T>(story: StoryContext, connector: string): T {
  return story.env.sandbox.context.state<T & object>(connector, () => {
    throw new Error(`the sandbox has no ${connector} fake`);
  });
}

async function larkToken(story: StoryContext): Promise<string> {
  const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
  const answer = await sandboxCall<{ tenant_access_token: string }>(story.env, 'POST', '/open-apis/auth/v3/tenant_access_token/internal', { app_id: appId, app_secret: appSecret });
  return answer.tenant_access_token;
}

const since = () => new Date().toISOString();

const offerAccepted: Chapter = {
  title: 'An offer is accepted in Lark Hire, and the candidate signs the contract in DocuSign',
  async play(story) {
    const { env } = story;
    const offer = env.sandbox.context.company.offers.find((o) => o.offerStatus === 7)!;
    const from = since();
    await deliver(env, 'lark-hire', 'lark', 'hire.offer.status_changed_v1', { offer_id: offer.offerId, offer_status: 7 });
    const waiting = await until('offer-to-onboard to send the contract', () => runOf(env, 'offer-to-onboard', ['waiting'], from));
    const envelopes = fake<{ envelopes: Record<string, { envelopeId: string; status: string }> }>(story, 'docusign').envelopes;
    const envelope = Object.values(envelopes).find((e) => e.status === 'sent')!;
    await story.settle();
    story.say(`    contract sent to ${offer.candidateName} (envelope ${envelope.envelopeId}); the run waits for DocuSign without holding a worker`);
    await deliver(env, 'docusign', 'docusign', 'envelope-completed', { envelopeId: envelope.envelopeId });
    const done = await until('offer-to-onboard to finish', () => runOf(env, 'offer-to-onboard', ['succeeded', 'failed'], from).then((r) => (r?.id === waiting.id ? r : undefined)));
    const preHire = fake<{ preHires: { pre_hire_id: string; out_biz_id?: string; onboarding_status: string }[] }>(story, 'lark-corehr').preHires.find((p) => p.out_biz_id === `offer-${offer.offerId}`);
    await story.settle();
    story.say(`    → pre-hire ${preHire?.pre_hire_id ?? '?'} for ${offer.candidateName}: ${preHire?.onboarding_status ?? 'missing'} (run ${done.id} ${done.status})`);
  },
};

/** A hired employee of a zone with no offboarding yet: the demo's leaver. */
function leaverIn(story: StoryContext, zone: string): SeededEmployee {
  const company = story.env.sandbox.context.company;
  const leaving = new Set((company.offboardings ?? []).map((o) => o.employmentId));
  const inZone = new Set(company.workLocations.filter((l) => l.timeZone === zone).map((l) => l.id));
  return company.employees.find((e) => e.status === 'hired' && !e.accountFrozen && !e.accountResigned && inZone.has(e.workLocationId) && !leaving.has(e.employmentId) && e.managerEmploymentId)!;
}

const offboardingApproved: Chapter = {
  title: 'An offboarding is approved in CoreHR; the leaver\'s Lark account is frozen at the scheduled moment',
  async play(story) {
    const { env } = story;
    const zone = 'Asia/Shanghai';
    const leaver = leaverIn(story, zone);
    const token = await larkToken(story);
    const leavingDate = DateTime.now().setZone(zone).plus({ days: 1 }).toISODate()!;
    const from = since();
    const submitted = await sandboxCall<{ data: { offboarding_id: string } }>(
      env,
      'POST',
      '/open-apis/corehr/v2/offboardings/submit_v2',
      { offboarding_mode: 2, employment_id: leaver.employmentId, offboarding_date: leavingDate, offboarding_reason_unique_identifier: 'reason_for_offboarding_option1' },
      token,
    );
    await sandboxCall(env, 'POST', `/_sandbox/lark-corehr/offboardings/${submitted.data.offboarding_id}/approve`, {});
    await until('offboarding-deactivation to schedule the freeze', () => runOf(env, 'offboarding-deactivation', ['succeeded'], from));
    const key = `deactivate:${leaver.employmentId}`;
    const planned = await until(`the schedule ${key}`, () => env.app.store.getSchedule(key));
    await story.settle();
    story.say(`    ${leaver.name} leaves on ${leavingDate}: freeze scheduled under ${key} at ${bothClocks(planned.fireAt, zone)} (24:00 local)`);
    // The demo cannot wait until midnight in Shanghai: it brings the freeze forward through the API, as an operator may.
    const soon = new Date(Date.now() + 5000).toISOString();
    const moved = await apiCall<ScheduleRecord>(env, 'POST', `/api/v1/schedules/${encodeURIComponent(key)}/move`, { at: soon });
    story.say(`    demo: moved the freeze to ${bothClocks(moved.fireAt, zone)} with POST /api/v1/schedules/${key}/move`);
    const froze = await until('the freeze', () => runOf(env, 'offboarding-deactivation-freeze', ['succeeded', 'failed'], from));
    const account = fake<{ accounts: Record<string, { isFrozen: boolean }> }>(story, 'lark-contact').accounts[leaver.openId];
    await story.settle();
    story.say(`    → account of ${leaver.name} ${account?.isFrozen ? 'frozen' : 'NOT frozen'} at ${bothClocks(froze.finishedAt ?? froze.updatedAt, zone)}`);
  },
};

const talentReview: Chapter = {
  title: 'The talent review table in Bitable is synced from CoreHR and Performance',
  async play(story) {
    const { env } = story;
    const from = since();
    await apiCall(env, 'POST', '/api/v1/flows/talent-review-sync/runs', { input: {} });
    const run = await until('talent-review-sync', () => runOf(env, 'talent-review-sync', ['succeeded', 'failed'], from));
    const rows = Object.keys(talentTable(story)).length;
    await story.settle();
    story.say(`    → ${rows} rows synced to the talent review table (run ${run.id} ${run.status})`);
  },
};

type BitableTables = { apps: Record<string, { tables: Record<string, { records: Record<string, Record<string, unknown>> }> }> };

function talentTable(story: StoryContext): Record<string, Record<string, unknown>> {
  return fake<BitableTables>(story, 'lark-bitable').apps.bascnStaffwireSandbox!.tables.tblTalentReview!.records;
}

const bonusBatch: Chapter = {
  title: 'A bonus pool is split by rating, approved by managers and paid through Payroll',
  async play(story) {
    const { env } = story;
    const sizes = new Map<string, number>();
    for (const row of Object.values(talentTable(story))) if (row.Status === 'Active') sizes.set(String(row['Department ID']), (sizes.get(String(row['Department ID'])) ?? 0) + 1);
    const [department, employees] = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const pool = '100000.00';
    let from = since();
    await apiCall(env, 'POST', '/api/v1/flows/bonus-allocation/runs', { input: { period: '2025', currency: 'CNY', pools: { [department]: pool } } });
    await until('bonus-allocation', () => runOf(env, 'bonus-allocation', ['succeeded', 'failed'], from));
    const bonus = fake<BitableTables>(story, 'lark-bitable').apps.bascnStaffwireSandbox!.tables.tblBonus!.records;
    const rows = Object.values(bonus).filter((r) => r['Department ID'] === department);
    const cents = rows.reduce((sum, r) => sum + BigInt(String(r.Amount).replace('.', '')), 0n);
    await story.settle();
    story.say(`    ${pool} CNY split across ${employees} employees by rating: the ${rows.length} suggested amounts add up to ${(Number(cents) / 100).toFixed(2)}`);
    // Managers approve in the table.
    for (const row of rows) row.Status = 'Approved';
    from = since();
    await apiCall(env, 'POST', '/api/v1/flows/bonus-to-payroll/runs', { input: { period: '2025', item_id: 'bonus_2025', issuance_time: '2026-01-31' } });
    const paid = await until('bonus-to-payroll', () => runOf(env, 'bonus-to-payroll', ['succeeded', 'failed'], from));
    const payments = fake<{ lumpSums?: unknown[] | Record<string, unknown> }>(story, 'lark-payroll').lumpSums;
    const count = Array.isArray(payments) ? payments.length : Object.keys(payments ?? {}).length;
    await story.settle();
    story.say(`    → ${count} lump-sum payments created in Payroll, each once by its unique_id (run ${paid.id} ${paid.status})`);
  },
};

export const CHAPTERS: Chapter[] = [offerAccepted, offboardingApproved, talentReview, bonusBatch];
