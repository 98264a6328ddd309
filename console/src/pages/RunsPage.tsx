import { Button, Group, MultiSelect, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { answerOf, api } from '../api/client';
import { RUN_STATUSES, type RunStatus } from '../api/types';
import { QueryState } from '../components/QueryState';
import { RunLink } from '../components/RunLink';
import { StatusBadge } from '../components/StatusBadge';
import { useI18n } from '../i18n/I18nProvider';
import { useLocation } from '../navigation/router';
import { momentOf, MomentInput } from '../time/MomentInput';
import { durationText, Time } from '../time/Time';

interface Filters {
  flow: string | null;
  status: RunStatus[];
  from: string;
  to: string;
  businessKey: string;
}

const PAGE_SIZE = 25;

export function RunsPage() {
  const { t, language } = useI18n();
  const { search } = useLocation();
  const [filters, setFilters] = useState<Filters>({ flow: search.get('flow'), status: [], from: '', to: '', businessKey: '' });
  // Cursors of the pages before this one, so Newer goes back without the server keeping state.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const change = (patch: Partial<Filters>) => {
    setFilters((current) => ({ ...current, ...patch }));
    setCursors([]);
  };
  const query = {
    limit: PAGE_SIZE,
    ...(filters.flow ? { flow: filters.flow } : {}),
    ...(filters.status.length > 0 ? { status: filters.status.join(',') } : {}),
    ...(filters.from ? { from: momentOf(filters.from)!.toISOString() } : {}),
    ...(filters.to ? { to: momentOf(filters.to)!.toISOString() } : {}),
    ...(filters.businessKey.trim() ? { businessKey: filters.businessKey.trim() } : {}),
    ...(cursor ? { cursor } : {}),
  };
  const flows = useQuery({ queryKey: ['flows'], queryFn: () => answerOf(api.GET('/api/v1/flows')) });
  const runs = useQuery({
    queryKey: ['runs', query],
    queryFn: () => answerOf(api.GET('/api/v1/runs', { params: { query } })),
    refetchInterval: 1500,
    placeholderData: keepPreviousData,
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t('runs.title')}</Title>
        <Text size="sm" c="dimmed">
          {t('common.live')}
        </Text>
      </Group>
      <Paper withBorder p="sm" component="section" aria-label={t('runs.filters')}>
        <Group align="flex-end" gap="sm">
          <Select
            label={t('runs.flow')}
            placeholder={t('runs.anyFlow')}
            data={(flows.data?.items ?? []).map((f) => f.id)}
            value={filters.flow}
            onChange={(flow) => change({ flow })}
            clearable
            searchable
            w={220}
          />
          <MultiSelect
            label={t('runs.status')}
            placeholder={filters.status.length === 0 ? t('runs.anyStatus') : undefined}
            data={RUN_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
            value={filters.status}
            onChange={(status) => change({ status: status as RunStatus[] })}
            clearable
            w={240}
          />
          <MomentInput label={t('runs.from')} placeholder={t('runs.anyTime')} value={filters.from} onChange={(from) => change({ from })} w={210} />
          <MomentInput label={t('runs.to')} placeholder={t('runs.anyTime')} value={filters.to} onChange={(to) => change({ to })} w={210} />
          <TextInput
            label={t('runs.businessKey')}
            placeholder={t('runs.businessKeyHint')}
            value={filters.businessKey}
            onChange={(e) => change({ businessKey: e.currentTarget.value })}
            w={220}
          />
          <Button variant="default" onClick={() => change({ flow: null, status: [], from: '', to: '', businessKey: '' })}>
            {t('runs.clear')}
          </Button>
        </Group>
      </Paper>
      <QueryState query={runs}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{t('runs.none')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={800}>
              <Table striped highlightOnHover aria-label={t('runs.list')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('runs.id')}</Table.Th>
                    <Table.Th>{t('runs.flow')}</Table.Th>
                    <Table.Th>{t('runs.businessKey')}</Table.Th>
                    <Table.Th>{t('runs.status')}</Table.Th>
                    <Table.Th>{t('runs.created')}</Table.Th>
                    <Table.Th>{t('runs.duration')}</Table.Th>
                    <Table.Th>{t('runs.startedBy')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((run) => (
                    <Table.Tr key={run.id} data-run={run.id}>
                      <Table.Td>
                        <RunLink id={run.id} />
                      </Table.Td>
                      <Table.Td translate="no">{run.flowId}</Table.Td>
                      <Table.Td translate="no">{run.businessKey ?? '—'}</Table.Td>
                      <Table.Td>
                        <StatusBadge status={run.status} />
                      </Table.Td>
                      {/* One line: a moment broken over four reads badly in a table that scrolls sideways anyway. */}
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <Time iso={run.createdAt} />
                      </Table.Td>
                      <Table.Td>{durationText(language, run.startedAt, run.finishedAt)}</Table.Td>
                      <Table.Td translate="no">{run.createdBy ?? '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Group justify="space-between">
        <Button variant="default" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t('common.newer')}
        </Button>
        <Text size="sm">{t('common.page', { page: cursors.length + 1 })}</Text>
        <Button variant="default" disabled={!runs.data?.next} onClick={() => runs.data?.next && setCursors((c) => [...c, runs.data.next!])}>
          {t('common.older')}
        </Button>
      </Group>
    </Stack>
  );
}
