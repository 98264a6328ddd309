import type { ActionContext } from '../../../src/connector-kit/connector.js';
import { larkClient } from '../../lark-shared/lark-connection.js';
import { searchPages, type SearchInput } from './search-pages.js';

const SEARCH_PAGE_SIZE = 100;

export function searchOffboardings(input: SearchInput, context: ActionContext) {
  return searchPages<Record<string, unknown>>(larkClient(context), '/open-apis/corehr/v1/offboardings/search', input, SEARCH_PAGE_SIZE, context.signal);
}
