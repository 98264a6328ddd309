import { Badge } from '@mantine/core';
import type { MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';

/** The badge's tint says the status at a glance; its text stays near-black, as a coloured text on a tint would fall below WCAG AA. */
const COLOURS: Record<string, string> = {
  queued: 'gray',
  running: 'blue',
  waiting: 'yellow',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'gray',
  pending: 'blue',
  fired: 'green',
  accepted: 'green',
  duplicate: 'gray',
  refused: 'red',
  challenge: 'gray',
};

/**
 * A run, schedule or delivery status, translated; `data-status` carries the API's own word for
 * tests and scripts. Never narrower than its word: in a squeezed table column Mantine would cut
 * it to "SU…".
 */
export function StatusBadge({ status, kind = 'status' }: { status: string; kind?: 'status' | 'outcome' }) {
  const { t } = useI18n();
  return (
    <Badge color={COLOURS[status] ?? 'gray'} variant="light" c="gray.9" miw="max-content" data-status={status}>
      {t(`${kind}.${status}` as MessageKey)}
    </Badge>
  );
}
