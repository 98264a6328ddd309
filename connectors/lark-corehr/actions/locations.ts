import type { ActionContext } from '../../../src/connector-kit/connector.js';
import { larkClient } from '../../lark-shared/lark-connection.js';
import { searchPages, type SearchInput, type SearchPage } from './search-pages.js';

/** basic_info/time_zones/search answers at most 100 a page. */
const TIME_ZONE_PAGE_SIZE = 100;

interface Location {
  location_id?: string;
  time_zone_id?: string;
  [field: string]: unknown;
}

interface TimeZone {
  time_zone_id?: string;
  time_zone_code?: string;
  utc_offset?: string;
  status?: number;
  [field: string]: unknown;
}

/** POST /open-apis/corehr/v2/locations/batch_get: work locations, each with the time_zone_id its 24:00 is reckoned in. */
export async function batchGetLocations(input: { location_ids: string[] }, context: ActionContext): Promise<{ items: Location[] }> {
  const data = await larkClient(context).call<{ items?: Location[] }>({
    method: 'POST',
    path: '/open-apis/corehr/v2/locations/batch_get',
    body: { location_ids: input.location_ids },
    signal: context.signal,
  });
  return { items: data.items ?? [] };
}

interface TimeZoneSearchInput extends SearchInput {
  time_zone_id_list?: string[];
  status_list?: (0 | 1)[];
}

/** POST /open-apis/corehr/v2/basic_info/time_zones/search: a time_zone_id's IANA code (time_zone_code). */
export function searchTimeZones(input: TimeZoneSearchInput, context: ActionContext): Promise<SearchPage<TimeZone>> {
  return searchPages<TimeZone>(larkClient(context), '/open-apis/corehr/v2/basic_info/time_zones/search', input, TIME_ZONE_PAGE_SIZE, context.signal);
}
