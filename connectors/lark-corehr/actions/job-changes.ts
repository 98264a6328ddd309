import type { ActionContext } from '../../../src/connector-kit/connector.js';
import { larkClient } from '../../lark-shared/lark-connection.js';
import { searchPages, type SearchInput } from './search-pages.js';

const SEARCH_PAGE_SIZE = 100;

export function searchJobChanges(input: SearchInput, context: ActionContext) {
  return searchPages<Record<string, unknown>>(larkClient(context), '/open-apis/corehr/v2/job_changes/search', input, SEARCH_PAGE_SIZE, context.signal);
}
