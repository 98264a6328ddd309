import type { ActionContext } from '../../../src/connector-kit/connector.js';
import { StaffwireError, VendorError } from '../../../src/errors/index.js';
import type { LarkClient } from '../../lark-shared/lark-client.js';
import { larkClient } from '../../lark-shared/lark-connection.js';
import { idTypeQuery, searchPages, type IdTypes, type SearchInput } from './search-pages.js';

const PRE_HIRES = '/open-apis/corehr/v2/pre_hires';
/** pre_hires/query answers at most this many per page, and takes at most this many ids. */
const QUERY_PAGE_SIZE = 10;
const SEARCH_PAGE_SIZE = 100;
const STATUS_FIELD = 'onboarding_info.onboarding_status';

type OnboardingStatus = 'preboarding' | 'day_one' | 'completed' | 'withdrawn' | 'deleted';

interface PreHire {
  pre_hire_id?: string;
  onboarding_info?: { onboarding_status?: OnboardingStatus };
  [field: string]: unknown;
}

interface PreHireIds extends IdTypes {
  pre_hire_ids: string[];
  fields?: string[];
}

/** basic_info, offer_info and the rest of Lark's create body, as the manifest declares them. */
type CreatePreHireInput = Record<string, unknown> & { out_biz_id?: string };

/**
 * Lark creates one pre-hire per out_biz_id and offers no search by it, so the key must be one a
 * second run for the same hire would derive too: a flow passes its own (e.g. the application id)
 * and a re-delivered or replayed event finds the pre-hire the first run made. Without one, the
 * step's idempotency key covers retries and crash recovery of this run only.
 */
export async function createPreHire(input: CreatePreHireInput, context: ActionContext): Promise<{ pre_hire_id: string; out_biz_id: string }> {
  const outBizId = input.out_biz_id ?? context.idempotencyKey;
  const data = await larkClient(context).call<{ pre_hire_id?: string }>({
    method: 'POST',
    path: PRE_HIRES,
    body: { ...input, out_biz_id: outBizId },
    signal: context.signal,
  });
  if (!data.pre_hire_id) {
    throw new StaffwireError(`Lark accepted the pre-hire (out_biz_id ${outBizId}) but answered no pre_hire_id`, {
      code: 'lark_corehr.malformed_answer',
      category: 'server',
    });
  }
  return { pre_hire_id: data.pre_hire_id, out_biz_id: outBizId };
}

export async function queryPreHires(input: PreHireIds, context: ActionContext): Promise<{ items: PreHire[] }> {
  return { items: await queryByIds(larkClient(context), input, context.signal) };
}

export async function getPreHire(input: { pre_hire_id: string; fields?: string[] } & IdTypes, context: ActionContext): Promise<{ pre_hire: PreHire }> {
  const { pre_hire_id, ...rest } = input;
  const [preHire] = await queryByIds(larkClient(context), { ...rest, pre_hire_ids: [pre_hire_id] }, context.signal);
  if (!preHire) {
    throw new StaffwireError(`Lark has no pre-hire ${pre_hire_id} (one created in the last few seconds may not be queryable yet)`, {
      code: 'lark_corehr.pre_hire_not_found',
      category: 'client',
    });
  }
  return { pre_hire: preHire };
}

export function searchPreHires(input: SearchInput, context: ActionContext) {
  return searchPages<PreHire>(larkClient(context), `${PRE_HIRES}/search`, input, SEARCH_PAGE_SIZE, context.signal);
}

export async function completePreHire({ pre_hire_id }: { pre_hire_id: string }, context: ActionContext): Promise<{ success: boolean }> {
  const client = larkClient(context);
  try {
    const data = await client.call<{ success?: boolean }>({
      method: 'POST',
      path: `${PRE_HIRES}/${encodeURIComponent(pre_hire_id)}/complete`,
      signal: context.signal,
    });
    return { success: data.success ?? true };
  } catch (err) {
    if (await alreadyInStatus(client, pre_hire_id, 'completed', err, context.signal)) return { success: true };
    throw err;
  }
}

export async function withdrawPreHire(input: { pre_hire_id: string; withdraw_reason: string }, context: ActionContext): Promise<{ success: boolean }> {
  const client = larkClient(context);
  try {
    const data = await client.call<{ success?: boolean }>({
      method: 'POST',
      path: `${PRE_HIRES}/withdraw_onboarding`,
      body: { pre_hire_id: input.pre_hire_id, withdraw_reason: input.withdraw_reason },
      signal: context.signal,
    });
    return { success: data.success ?? true };
  } catch (err) {
    if (await alreadyInStatus(client, input.pre_hire_id, 'withdrawn', err, context.signal)) return { success: true };
    throw err;
  }
}

export async function deletePreHire({ pre_hire_id }: { pre_hire_id: string }, context: ActionContext): Promise<{ success: boolean }> {
  await larkClient(context).call({ method: 'DELETE', path: `${PRE_HIRES}/${encodeURIComponent(pre_hire_id)}`, signal: context.signal });
  return { success: true };
}

async function queryByIds(client: LarkClient, input: PreHireIds, signal: AbortSignal): Promise<PreHire[]> {
  const { pre_hire_ids, fields, ...idTypes } = input;
  const items: PreHire[] = [];
  const request = {
    method: 'POST' as const,
    path: `${PRE_HIRES}/query`,
    query: idTypeQuery(idTypes),
    body: { pre_hire_ids, ...(fields ? { fields } : {}) },
    signal,
  };
  for await (const item of client.paginate<PreHire>(request, 'items', QUERY_PAGE_SIZE)) items.push(item);
  return items;
}

/**
 * Lark keys neither complete nor withdraw by an idempotency key, so a step retried after its first
 * attempt went through gets a refusal. When the pre-hire already has the status the step wanted,
 * the step has done its job.
 */
async function alreadyInStatus(client: LarkClient, preHireId: string, status: OnboardingStatus, error: unknown, signal: AbortSignal): Promise<boolean> {
  if (!(error instanceof VendorError) || error.category !== 'client') return false;
  try {
    const [preHire] = await queryByIds(client, { pre_hire_ids: [preHireId], fields: [STATUS_FIELD] }, signal);
    return preHire?.onboarding_info?.onboarding_status === status;
  } catch {
    // The look-up is only a second opinion: the refusal is the error to report.
    return false;
  }
}
