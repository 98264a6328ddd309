import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';

export interface IndicatorsQueryInput {
  indicator_ids?: string[];
  page_size?: number;
  page_token?: string;
}

interface LarkOption {
  id: string;
  name?: Record<string, string>;
  label?: string;
  /** Lark's SDK spells it so. */
  lable?: string;
}

interface LarkIndicator {
  id: string;
  options?: LarkOption[];
  [property: string]: unknown;
}

interface IndicatorsPage {
  indicators?: LarkIndicator[];
  has_more?: boolean;
  page_token?: string;
}

/**
 * POST /open-apis/performance/v2/indicators/query. Options come back as { id, name, label }
 * whether Lark spells the grade label or lable, so a flow reads one name.
 */
export async function queryIndicators(input: IndicatorsQueryInput, context: ActionContext) {
  const data = await larkClient(context).call<IndicatorsPage>({
    method: 'POST',
    path: '/open-apis/performance/v2/indicators/query',
    query: { page_size: input.page_size, page_token: input.page_token },
    body: { indicator_ids: input.indicator_ids },
    signal: context.signal,
  });
  const indicators = (data.indicators ?? []).map((indicator) =>
    indicator.options ? { ...indicator, options: indicator.options.map(optionWithLabel) } : indicator,
  );
  return {
    indicators,
    has_more: data.has_more ?? false,
    ...(data.has_more && data.page_token ? { page_token: data.page_token } : {}),
  };
}

function optionWithLabel({ lable, ...option }: LarkOption): Omit<LarkOption, 'lable'> {
  const label = option.label ?? lable;
  return label === undefined ? option : { ...option, label };
}
