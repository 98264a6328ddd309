import { useI18n } from '../i18n/I18nProvider';

function formatted(iso: string, language: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium', ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
}

/** A moment in the viewer's time zone (or `timeZone`), with the same moment in UTC on hover. */
export function Time({ iso, timeZone }: { iso: string | undefined; timeZone?: string }) {
  const { language, t } = useI18n();
  if (!iso) return <span>—</span>;
  const utc = `${formatted(iso, language, 'UTC')} ${t('common.utc')}`;
  return (
    <time dateTime={iso} title={utc}>
      {formatted(iso, language, timeZone)}
      {timeZone ? ` (${timeZone})` : ''}
    </time>
  );
}

function unit(language: string, value: number, name: 'millisecond' | 'second' | 'minute' | 'hour', fractionDigits = 0): string {
  return new Intl.NumberFormat(language, { style: 'unit', unit: name, unitDisplay: 'short', maximumFractionDigits: fractionDigits }).format(value);
}

/** How long from `from` to `to` (or now), in the viewer's language: 850 ms, 12.3 sec, 4 min 10 sec, 2 hr 5 min. */
export function durationText(language: string, from: string | undefined, to: string | undefined): string {
  if (!from) return '—';
  const ms = Math.max(0, Date.parse(to ?? new Date().toISOString()) - Date.parse(from));
  if (ms < 1000) return unit(language, ms, 'millisecond');
  if (ms < 60_000) return unit(language, ms / 1000, 'second', 1);
  if (ms < 3_600_000) return `${unit(language, Math.floor(ms / 60_000), 'minute')} ${unit(language, Math.floor((ms % 60_000) / 1000), 'second')}`;
  return `${unit(language, Math.floor(ms / 3_600_000), 'hour')} ${unit(language, Math.floor((ms % 3_600_000) / 60_000), 'minute')}`;
}

/** The viewer's own IANA time zone, e.g. Asia/Shanghai. */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
