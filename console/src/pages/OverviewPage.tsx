import { Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
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
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                {t('overview.runsToday')}
              </Title>
              {data.runs.length === 0 ? (
                <Text c="dimmed">{t('common.none')}</Text>
              ) : (
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
              )}
              {data.runsTruncated && <Text size="sm">{t('overview.truncated')}</Text>}
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                {t('overview.attention')}
              </Title>
              {data.attention.length === 0 ? (
                <Text c="dimmed">{t('overview.allClear')}</Text>
              ) : (
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
              )}
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                {t('overview.upcoming')}
              </Title>
              {data.upcomingSchedules.length === 0 ? (
                <Text c="dimmed">{t('common.none')}</Text>
              ) : (
                <Stack gap="xs">
                  {data.upcomingSchedules.map((schedule) => (
                    <Text size="sm" key={schedule.key}>
                      <Time iso={schedule.fireAt} /> · <span translate="no">{schedule.key}</span> · <span translate="no">{schedule.flowId}</span>
                    </Text>
                  ))}
                </Stack>
              )}
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                {t('overview.refused')}
              </Title>
              {data.refusedDeliveries.length === 0 ? (
                <Text c="dimmed">{t('common.none')}</Text>
              ) : (
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
              )}
            </Card>
          </SimpleGrid>
        )}
      </QueryState>
    </Stack>
  );
}
