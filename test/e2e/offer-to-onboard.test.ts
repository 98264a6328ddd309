import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-root.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import type { RunRecord } from '../../src/store/records.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { apiToken, ServeProcesses, type ServeProcess } from '../support/serve-process.js';
import { readStoreFile, withStoreFile } from '../support/store-file.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The shipped offer-to-onboard flows end to end: a real `staffwire serve` with the sandbox on
 * loopback, Lark and DocuSign webhooks built, encrypted and signed by the sandbox as the vendors do
 * and delivered through the real intake, and what the vendors hold afterwards read from the sandbox.
 */

const FLOW = 'offer-to-onboard';
const FLOW_FILES = ['offer-to-onboard.json', 'offer-to-onboard-withdraw.json'];
const OFFER_EVENT = 'hire.offer.status_changed_v1';
const { lark, docusign } = DEFAULT_SANDBOX_CREDENTIALS;
const env = {
  OFFER_LARK_SECRET: lark.appSecret,
  OFFER_LARK_TOKEN: lark.verificationToken,
  OFFER_LARK_KEY: lark.encryptKey,
  OFFER_DOCUSIGN_TOKEN: docusign.accessToken,
  OFFER_DOCUSIGN_CONNECT: docusign.connectSecret,
};

const company = seedCompany({ employees: 60, seed: 'offer-to-onboard' });
/** The seed's first offer is accepted (status 7). */
const offer = company.offers[0]!;
const manager = company.employees.find((e) => e.employmentId === offer.leaderEmploymentId)!;
/** The flow's default HR recipient: an HR group chat, read in Chinese. */
const HR_CHAT = 'oc_hr_onboarding';

interface PreHire {
  pre_hire_id: string;
  out_biz_id: string;
  onboarding_status: string;
  withdrawn_reason?: string;
  ats_application_id?: string;
  basic_info: { name: { full_name: string }; email: string };
  offer_info: Record<string, string>;
}
interface Envelope {
  envelopeId: string;
  status: string;
  templateId: string;
  templateRoles: { roleName: string; name: string; email: string }[];
  voidedReason?: string;
}
interface Message {
  receive_id_type: string;
  receive_id: string;
  content: string;
}

const ws = useCliWorkspace('offer-to-onboard');
const serves = new ServeProcesses();
const operator = apiToken('ops', 'operator');
let sandbox: Sandbox;
let sandboxUrl: string;

beforeEach(async () => {
  sandbox = await createSandbox({ company });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  sandboxUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  ws.configure({
    connections: {
      lark: {
        connector: 'lark-hire',
        baseUrl: sandboxUrl,
        appId: lark.appId,
        appSecret: { env: 'OFFER_LARK_SECRET' },
        webhook: { verificationToken: { env: 'OFFER_LARK_TOKEN' }, encryptKey: { env: 'OFFER_LARK_KEY' } },
      },
      docusign: {
        connector: 'docusign',
        baseUri: sandboxUrl,
        accountId: docusign.accountId,
        accessToken: { env: 'OFFER_DOCUSIGN_TOKEN' },
        connectSecrets: [{ env: 'OFFER_DOCUSIGN_CONNECT' }],
      },
    },
    server: { tokens: [operator.entry] },
  });
  for (const file of FLOW_FILES) ws.file(`flows/${file}`, readFileSync(join(packageRoot, 'flows', file), 'utf8'));
});

afterEach(async () => {
  await serves.killAll();
  await sandbox.app.close();
});

const serve = () => serves.start(['--config', ws.config], { env });

/** Has the sandbox build, sign and POST a vendor event to serve's webhook intake; resolves once serve has answered 200. */
async function emit(target: ServeProcess, event: { connector: 'lark-hire' | 'docusign'; type: string; payload: Record<string, unknown>; id?: string }) {
  const connection = event.connector === 'docusign' ? 'docusign' : 'lark';
  const answer = await fetch(`${sandboxUrl}/_sandbox/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...event, target: `${target.url}/webhooks/${connection}` }),
  });
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as { status: number; body: { outcome: string } };
  expect(body.status).toBe(200);
  return body.body.outcome;
}

const offerStatusChanged = (target: ServeProcess, offerStatus: number, id: string) =>
  emit(target, { connector: 'lark-hire', type: OFFER_EVENT, id, payload: { offer_id: offer.offerId, offer_status: offerStatus } });
const envelopeEvent = (target: ServeProcess, type: string, envelopeId: string) => emit(target, { connector: 'docusign', type, payload: { envelopeId } });

/** What the fakes hold now: CoreHR's pre-hires, DocuSign's envelopes, the bot's messages. */
async function vendors(): Promise<{ preHires: PreHire[]; envelopes: Envelope[]; messages: Message[] }> {
  const state = (await (await fetch(`${sandboxUrl}/_sandbox/state`)).json()) as { connectors: Record<string, Record<string, unknown>> };
  return {
    preHires: (state.connectors['lark-corehr']?.preHires as PreHire[] | undefined) ?? [],
    envelopes: Object.values((state.connectors.docusign?.envelopes as Record<string, Envelope> | undefined) ?? {}),
    messages: (state.connectors['lark-contact']?.messages as Message[] | undefined) ?? [],
  };
}

const runs = (): RunRecord[] => readStoreFile(ws.database).runs.filter((r) => r.flowId === FLOW);

/** Waits until one run of the flow is parked on the contract's outcome with the envelope sent, and gives both. */
async function contractOut(): Promise<{ run: RunRecord; envelope: Envelope; preHire: PreHire }> {
  await waitFor(async () => runs()[0]?.status === 'waiting' && (await vendors()).envelopes.length === 1, 'the contract to be out and the run to listen for it');
  const { envelopes, preHires } = await vendors();
  return { run: runs()[0]!, envelope: envelopes[0]!, preHire: preHires[0]! };
}

async function finished(runId: string): Promise<RunRecord> {
  await waitFor(() => ['succeeded', 'failed', 'cancelled'].includes(runs().find((r) => r.id === runId)?.status ?? ''), `run ${runId} to end`);
  return runs().find((r) => r.id === runId)!;
}

const textOf = (message: Message) => (JSON.parse(message.content) as { text: string }).text;
const signedText = {
  zh: (preHireId: string) => `${offer.candidateName} 已签署「${offer.jobName}」的劳动合同，将于 ${offer.onboardDate} 入职。CoreHR 预入职记录 ${preHireId} 已完成。`,
  en: (preHireId: string) => `${offer.candidateName} signed the employment contract for ${offer.jobName} and starts on ${offer.onboardDate}. Pre-hire ${preHireId} is completed in CoreHR.`,
};
const stoppedText = {
  zh: (why: string, preHireId: string) => `${offer.candidateName}（${offer.jobName}）的入职已终止：${why}。CoreHR 预入职记录 ${preHireId} 已撤回。`,
  en: (why: string, preHireId: string) => `The onboarding of ${offer.candidateName} (${offer.jobName}) has stopped: ${why}. Pre-hire ${preHireId} is withdrawn in CoreHR.`,
};

async function startByHand(target: ServeProcess, settings: Record<string, unknown>): Promise<string> {
  const answer = await fetch(`${target.url}/api/v1/flows/${FLOW}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${operator.token}` },
    body: JSON.stringify({ input: { payload: { offer_id: offer.offerId }, settings } }),
  });
  expect(answer.status).toBe(202);
  return ((await answer.json()) as { id: string }).id;
}

describe('offer-to-onboard', () => {
  it('validates with the connections it names', async () => {
    const result = await ws.cli(['validate', ...FLOW_FILES.map((f) => join(ws.dir, 'flows', f))]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/))).toEqual(FLOW_FILES.map((f) => [join(ws.dir, 'flows', f), 'ok']));
  });

  it('turns an accepted offer into a pre-hire and a contract, and once signed completes it and tells HR (zh) and the manager (en)', async () => {
    const staffwire = await serve();
    expect(await offerStatusChanged(staffwire, 7, 'ev_accepted')).toBe('accepted');
    const { run, envelope, preHire } = await contractOut();

    expect(run.businessKey).toBe(offer.offerId);
    expect(preHire).toMatchObject({
      out_biz_id: `offer-${offer.offerId}`,
      onboarding_status: 'preboarding',
      ats_application_id: offer.applicationId,
      basic_info: { name: { full_name: offer.candidateName }, email: offer.candidateEmail },
      offer_info: { offer_id: offer.offerId, onboarding_date: offer.onboardDate, department_id: offer.departmentId, direct_leader_id: manager.employmentId, job_id: offer.jobId },
    });
    expect(envelope).toMatchObject({ status: 'sent', templateRoles: [{ roleName: 'Employee', name: offer.candidateName, email: offer.candidateEmail }] });
    expect((await vendors()).messages).toEqual([]);

    expect(await envelopeEvent(staffwire, 'envelope-completed', envelope.envelopeId)).toBe('accepted');
    const ended = await finished(run.id);
    expect(ended.status).toBe('succeeded');
    expect(ended.output).toEqual({ outcome: 'completed', offerId: offer.offerId, preHireId: preHire.pre_hire_id, envelopeId: envelope.envelopeId, notified: 2 });

    const after = await vendors();
    expect(after.preHires).toHaveLength(1);
    expect(after.preHires[0]!.onboarding_status).toBe('completed');
    const hr = after.messages.filter((m) => m.receive_id === HR_CHAT);
    const toManager = after.messages.filter((m) => m.receive_id === manager.openId);
    expect(hr.map((m) => [m.receive_id_type, textOf(m)])).toEqual([['chat_id', signedText.zh(preHire.pre_hire_id)]]);
    expect(toManager.map((m) => [m.receive_id_type, textOf(m)])).toEqual([['open_id', signedText.en(preHire.pre_hire_id)]]);
    expect(after.messages).toHaveLength(2);

    // The offer accepted again after the onboarding ended: a new run finds the pre-hire done and sends nothing.
    await offerStatusChanged(staffwire, 7, 'ev_accepted_again');
    await waitFor(() => runs().length === 2 && runs().every((r) => r.status === 'succeeded'), 'the second run to end');
    expect(runs().find((r) => r.id !== run.id)!.output).toEqual({ outcome: 'pre_hire_completed', offerId: offer.offerId, preHireId: preHire.pre_hire_id });
    const last = await vendors();
    expect([last.preHires.length, last.envelopes.length, last.messages.length]).toEqual([1, 1, 2]);
  });

  it('tells each recipient in the language its settings give', async () => {
    const staffwire = await serve();
    const hrPerson = company.employees.find((e) => e.employmentId !== manager.employmentId)!;
    const runId = await startByHand(staffwire, {
      hr: { receiveIdType: 'open_id', receiveId: hrPerson.openId, language: 'en' },
      managerLanguages: { [manager.openId]: 'zh' },
    });
    const { envelope, preHire } = await contractOut();
    await envelopeEvent(staffwire, 'envelope-completed', envelope.envelopeId);
    expect((await finished(runId)).status).toBe('succeeded');

    const { messages } = await vendors();
    expect(messages.map((m) => [m.receive_id, textOf(m)]).sort()).toEqual(
      [
        [hrPerson.openId, signedText.en(preHire.pre_hire_id)],
        [manager.openId, signedText.zh(preHire.pre_hire_id)],
      ].sort(),
    );
  });

  it.each([
    { event: 'envelope-declined', outcome: 'declined', why: '候选人拒绝签署劳动合同', reason: 'The candidate declined to sign the employment contract.', envelopeStatus: 'declined' },
    { event: 'envelope-voided', outcome: 'voided', why: 'DocuSign 中的合同信封已作废', reason: 'The employment contract envelope was voided in DocuSign.', envelopeStatus: 'voided' },
  ])('withdraws the pre-hire and tells HR why when the contract is $outcome', async ({ event, outcome, why, reason, envelopeStatus }) => {
    const staffwire = await serve();
    await offerStatusChanged(staffwire, 7, 'ev_accepted');
    const { run, envelope, preHire } = await contractOut();

    await envelopeEvent(staffwire, event, envelope.envelopeId);
    const ended = await finished(run.id);
    expect(ended.status).toBe('succeeded');
    expect(ended.output).toMatchObject({ outcome, offerId: offer.offerId, preHireId: preHire.pre_hire_id, envelopeId: envelope.envelopeId });

    const after = await vendors();
    expect(after.preHires).toEqual([expect.objectContaining({ pre_hire_id: preHire.pre_hire_id, onboarding_status: 'withdrawn', withdrawn_reason: reason })]);
    expect(after.envelopes).toEqual([expect.objectContaining({ status: envelopeStatus })]);
    expect(after.messages.map((m) => [m.receive_id, textOf(m)])).toEqual([[HR_CHAT, stoppedText.zh(why, preHire.pre_hire_id)]]);
  });

  it('voids the envelope, withdraws the pre-hire and tells HR when the contract is not signed within the timeout', async () => {
    const staffwire = await serve();
    const runId = await startByHand(staffwire, { contractTimeout: '3s', hr: { receiveIdType: 'chat_id', receiveId: HR_CHAT, language: 'en' } });
    const ended = await finished(runId);
    expect(ended.status).toBe('succeeded');

    const { preHires, envelopes, messages } = await vendors();
    expect(ended.output).toMatchObject({ outcome: 'timed_out', preHireId: preHires[0]!.pre_hire_id, envelopeId: envelopes[0]!.envelopeId });
    expect(preHires).toEqual([expect.objectContaining({ onboarding_status: 'withdrawn', withdrawn_reason: 'The employment contract was not signed within 3s.' })]);
    expect(envelopes).toEqual([expect.objectContaining({ status: 'voided', voidedReason: 'The contract was not signed in time.' })]);
    expect(messages.map((m) => [m.receive_id, textOf(m)])).toEqual([[HR_CHAT, stoppedText.en('the contract was not signed within 3s', preHires[0]!.pre_hire_id)]]);
  });

  it('voids the envelope and withdraws the pre-hire when the offer is withdrawn while the contract is out', async () => {
    const staffwire = await serve();
    await offerStatusChanged(staffwire, 7, 'ev_accepted');
    const { run, envelope, preHire } = await contractOut();

    await offerStatusChanged(staffwire, 3, 'ev_withdrawn');
    const ended = await finished(run.id);
    expect(ended.status).toBe('succeeded');
    expect(ended.output).toMatchObject({ outcome: 'offer_withdrawn', preHireId: preHire.pre_hire_id });
    // The withdrawal started no run of its own: it woke the one listening for it.
    expect(runs()).toHaveLength(1);

    const after = await vendors();
    expect(after.preHires).toEqual([expect.objectContaining({ onboarding_status: 'withdrawn', withdrawn_reason: 'The offer was withdrawn in Lark Hire.' })]);
    expect(after.envelopes).toEqual([expect.objectContaining({ envelopeId: envelope.envelopeId, status: 'voided', voidedReason: 'The offer was withdrawn.' })]);
    expect(after.messages.map((m) => [m.receive_id, textOf(m)])).toEqual([[HR_CHAT, stoppedText.zh('Offer 已在飞书招聘中撤回', preHire.pre_hire_id)]]);
  });

  it('starts nothing for a second accepted event while the offer’s run is under way', async () => {
    const staffwire = await serve();
    await offerStatusChanged(staffwire, 7, 'ev_accepted');
    const { run } = await contractOut();

    // A new event id, so the intake's de-duplication does not drop it: the business key does.
    expect(await offerStatusChanged(staffwire, 7, 'ev_accepted_twice')).toBe('accepted');
    const delivery = async () =>
      (await withStoreFile(ws.database, (store) => store.listDeliveries(), { readonly: true })).find((d) => d.event?.id === 'ev_accepted_twice');
    await waitFor(async () => (await delivery())?.dispatchedAt !== undefined, 'the second event to be dispatched');
    expect((await delivery())!.dispatch).toContainEqual({
      flowId: FLOW,
      runId: run.id,
      started: false,
      reason: `run ${run.id} is still under way for business key ${offer.offerId}`,
    });
    // It also woke the run's offer-withdrawn listen, which looked, found no withdrawal and parked again.
    await waitFor(() => runs()[0]?.status === 'waiting', 'the run to park again');
    expect(runs()).toHaveLength(1);
    const { preHires, envelopes } = await vendors();
    expect([preHires.length, envelopes.length]).toEqual([1, 1]);
  });

  it('makes no second pre-hire or envelope when serve is killed mid-run and Lark delivers the event again', async () => {
    const first = await serve();
    await offerStatusChanged(first, 7, 'ev_accepted');
    await waitFor(async () => (await vendors()).preHires.length === 1, 'the pre-hire to be created');
    await first.stop('SIGKILL');

    const second = await serve();
    expect(await offerStatusChanged(second, 7, 'ev_accepted')).toBe('duplicate');
    const { run, envelope } = await contractOut();
    await envelopeEvent(second, 'envelope-completed', envelope.envelopeId);
    expect((await finished(run.id)).status).toBe('succeeded');

    const { preHires, envelopes, messages } = await vendors();
    expect(runs()).toHaveLength(1);
    expect(preHires).toEqual([expect.objectContaining({ out_biz_id: `offer-${offer.offerId}`, onboarding_status: 'completed' })]);
    expect(envelopes).toHaveLength(1);
    expect(messages).toHaveLength(2);
  });
});
