import { Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { answerOf, api } from '../api/client';
import { QueryState } from '../components/QueryState';
import { RunLink } from '../components/RunLink';
import { StatusBadge } from '../components/StatusBadge';
import type { MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';
import { Time } from '../time/Time';

function midnight(): string {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).toISOString();
}

/** One panel of the overview: its title, then its content, or what to say when there is none. */
function OverviewCard({ title, empty, children }: { title: string; empty: string | undefined; children: ReactNode }) {
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {empty === undefined ? children : <Text c="dimmed">{empty}</Text>}
    </Card>
  );
}

export function OverviewPage() {
  const { t } = useI18n();
  const since = midnight();
  const overview = useQuery({
    queryKey: ['overview', since],
    queryFn: () => answerOf(api.GET('/api/v1/overview', { params: { query: { since } } })),
    refetchInterval: 5000,
  });
  return (
    <Stack>
      <Title order={1}>{t('overview.title')}</Title>
      <QueryState query={overview}>
        {(data) => (
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <OverviewCard title={t('overview.runsToday')} empty={data.runs.length === 0 ? t('common.none') : undefined}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('overview.flow')}</Table.Th>
                    <Table.Th>{t('overview.status')}</Table.Th>
                    <Table.Th>{t('overview.count')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.runs.map((row) => (
                    <Table.Tr key={`${row.flowId}/${row.status}`}>
                      <Table.Td translate="no">{row.flowId}</Table.Td>
                      <Table.Td>
                        <StatusBadge status={row.status} />
                      </Table.Td>
                      <Table.Td>{row.count}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {data.runsTruncated && <Text size="sm">{t('overview.truncated')}</Text>}
            </OverviewCard>
            <OverviewCard title={t('overview.attention')} empty={data.attention.length === 0 ? t('overview.allClear') : undefined}>
              <Stack gap="xs">
                {data.attention.map(({ reason, run }) => (
                  <div key={`${reason}/${run.id}`}>
                    <Text size="sm">
                      <strong>{t(`overview.reason.${reason}` as MessageKey)}</strong> · <span translate="no">{run.flowId}</span> · <RunLink id={run.id} />
                    </Text>
                    {run.error && (
                      <Text size="xs" c="dimmed" translate="no">
                        {run.error.code}: {run.error.message}
                      </Text>
                    )}
                  </div>
                ))}
              </Stack>
            </OverviewCard>
            <OverviewCard title={t('overview.upcoming')} empty={data.upcomingSchedules.length === 0 ? t('common.none') : undefined}>
              <Stack gap="xs">
                {data.upcomingSchedules.map((schedule) => (
                  <Text size="sm" key={schedule.key}>
                    <Time iso={schedule.fireAt} /> · <span translate="no">{schedule.key}</span> · <span translate="no">{schedule.flowId}</span>
                  </Text>
                ))}
              </Stack>
            </OverviewCard>
            <OverviewCard title={t('overview.refused')} empty={data.refusedDeliveries.length === 0 ? t('common.none') : undefined}>
              <Stack gap="xs">
                {data.refusedDeliveries.map((delivery) => (
                  <Text size="sm" key={delivery.id}>
                    <Time iso={delivery.receivedAt} /> · <span translate="no">{delivery.source}</span> ·{' '}
                    <span translate="no">
                      {delivery.reason?.code}: {delivery.reason?.message}
                    </span>
                  </Text>
                ))}
              </Stack>
            </OverviewCard>
          </SimpleGrid>
        )}
      </QueryState>
    </Stack>
  );
}
