import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxContext } from '../../src/sandbox/sandbox-context.js';
import type { WorkLocation } from '../../src/sandbox/seed-company.js';
import { checkPageSize, larkError, larkOk, page, FIELD_VALIDATION_FAILED } from '../lark-shared/lark-sandbox.js';
import { hex, route, tooMany } from './sandbox.js';

/** locations/batch_get: the per-call maximum is not documented; the fake assumes 100, as for the other batch_gets. */
const LOCATION_BATCH_MAX = 100;
/** basic_info/time_zones/search: page_size ≤ 100 and time_zone_id_list ≤ 100, documented. */
const TIME_ZONE_MAX = 100;

/** A time zone's CoreHR id: Lark's ids are internal numbers, so the fake derives a stable 19-digit one from the IANA name. */
export function timeZoneIdOf(timeZone: string): string {
  return `7${(BigInt(`0x${hex(timeZone, 'time-zone').slice(0, 15)}`) % 10n ** 18n).toString().padStart(18, '0')}`;
}

/** The zone's offset from UTC at `atMs`, in minutes (480 for Asia/Shanghai; Los Angeles moves between −480 and −420). */
export function utcOffsetMinutes(timeZone: string, atMs: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(new Date(atMs))
      .map((part) => [part.type, part.value]),
  );
  const wallClock = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return Math.round((wallClock - Math.floor(atMs / 60_000) * 60_000) / 60_000);
}

/** The calendar day it is in `timeZone` at `atMs`, as YYYY-MM-DD. */
export function dateIn(timeZone: string, atMs: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(atMs));
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function locationView(location: WorkLocation): Record<string, unknown> {
  return {
    location_id: location.id,
    hiberarchy_common: { name: [{ lang: 'en-US', value: location.name }], type: { enum_name: 'location' }, active: true, code: location.id },
    time_zone_id: timeZoneIdOf(location.timeZone),
  };
}

/** The zones the tenant uses: one per distinct work-location zone, as a tenant's list holds the zones it configured. */
function timeZones(context: SandboxContext): { id: string; code: string }[] {
  const codes = [...new Set(context.company.workLocations.map((l) => l.timeZone))].sort();
  return codes.map((code) => ({ id: timeZoneIdOf(code), code }));
}

function badList(reply: FastifyReply, field: string): FastifyReply {
  return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: ${field} must be an array of strings`);
}

/** Work locations and their time zones: where the 24:00 of a leaving date is. */
export function registerLocations(app: FastifyInstance, context: SandboxContext): void {
  route(app, context, 'POST', '/open-apis/corehr/v2/locations/batch_get', ({ body }, reply) => {
    const ids = body.location_ids;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
      return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: location_ids is required, a non-empty array of strings');
    }
    if (ids.length > LOCATION_BATCH_MAX) return tooMany(reply, 'location_ids', LOCATION_BATCH_MAX);
    const found = context.company.workLocations.filter((l) => ids.includes(l.id));
    return larkOk(reply, { items: found.map(locationView) });
  });

  route(app, context, 'POST', '/open-apis/corehr/v2/basic_info/time_zones/search', ({ body, query }, reply) => {
    // page_size is required here, unlike most searches.
    if (query.page_size === undefined) return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: page_size is required');
    const pageSize = checkPageSize(reply, query.page_size, TIME_ZONE_MAX);
    if (pageSize === undefined) return reply;
    const ids = body.time_zone_id_list ?? [];
    const statuses = body.status_list ?? [];
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return badList(reply, 'time_zone_id_list');
    if (ids.length > TIME_ZONE_MAX) return tooMany(reply, 'time_zone_id_list', TIME_ZONE_MAX);
    if (!Array.isArray(statuses) || !statuses.every((status) => status === 0 || status === 1)) {
      return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: status_list takes 1 (active) and 0 (inactive)');
    }
    // Every zone the fake knows is active.
    const found = timeZones(context).filter((zone) => (ids.length === 0 || ids.includes(zone.id)) && (statuses.length === 0 || statuses.includes(1)));
    const one = page(found, pageSize, query.page_token);
    const now = context.now();
    return larkOk(reply, {
      ...one,
      items: one.items.map((zone) => ({
        time_zone_id: zone.id,
        name: [{ lang: 'en-US', value: zone.code }],
        time_zone_code: zone.code,
        utc_offset: String(utcOffsetMinutes(zone.code, now)),
        status: 1,
      })),
    });
  });
}
