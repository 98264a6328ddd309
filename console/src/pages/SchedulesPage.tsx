import { Button, Group, Modal, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { answerOf, api } from '../api/client';
import type { Schedule } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorAlert, QueryState } from '../components/QueryState';
import { RunLink } from '../components/RunLink';
import { StatusBadge } from '../components/StatusBadge';
import { useI18n } from '../i18n/I18nProvider';
import { useSession } from '../session/SessionProvider';
import { momentOf, MomentInput } from '../time/MomentInput';
import { Time, viewerTimeZone } from '../time/Time';

type StatusFilter = 'pending' | 'fired' | 'cancelled';

/** `run:<id>/<step path>` names the run whose schedule step made it; anything else is an actor. */
function MadeBy({ createdBy }: { createdBy: string }) {
  const run = /^run:([^/]+)\//.exec(createdBy);
  return run ? <RunLink id={run[1]!} /> : <span translate="no">{createdBy}</span>;
}

/** A MomentInput value (the viewer's wall clock) as ISO 8601 with the viewer's offset, as POST …/move takes it. */
function withOffset(local: string): string {
  const offset = -momentOf(local)!.getTimezoneOffset();
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${local.replace(' ', 'T')}${offset >= 0 ? '+' : '-'}${pad(offset / 60)}:${pad(offset % 60)}`;
}

function MoveDialog({ schedule, onClose }: { schedule: Schedule; onClose: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [at, setAt] = useState('');
  const move = useMutation({
    mutationFn: () => answerOf(api.POST('/api/v1/schedules/{key}/move', { params: { path: { key: schedule.key } }, body: { at: withOffset(at) } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['schedules'] });
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (at !== '') move.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t('schedules.moveTitle', { key: schedule.key })} closeButtonProps={{ 'aria-label': t('common.close') }}>
      <form onSubmit={submit}>
        <Stack>
          <MomentInput withSeconds required label={t('schedules.moveAt', { zone: viewerTimeZone() })} value={at} onChange={setAt} />
          {move.error && <ErrorAlert error={move.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={move.isPending}>
              {t('schedules.moveSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function SchedulesPage() {
  const { t } = useI18n();
  const { mayOperate } = useSession();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<StatusFilter>('pending');
  const [moving, setMoving] = useState<Schedule | undefined>();
  const schedules = useQuery({
    queryKey: ['schedules', status],
    queryFn: () => answerOf(api.GET('/api/v1/schedules', { params: { query: { status, limit: 100 } } })),
    refetchInterval: 3000,
  });
  const cancel = useMutation({
    mutationFn: (key: string) => answerOf(api.POST('/api/v1/schedules/{key}/cancel', { params: { path: { key } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['schedules'] }),
  });
  return (
    <Stack>
      <Title order={1}>{t('schedules.title')}</Title>
      <SegmentedControl
        aria-label={t('schedules.status')}
        value={status}
        onChange={(value) => setStatus(value as StatusFilter)}
        data={(['pending', 'fired', 'cancelled'] as const).map((s) => ({ value: s, label: t(`status.${s}`) }))}
        w="fit-content"
      />
      {cancel.error && <ErrorAlert error={cancel.error} />}
      <QueryState query={schedules}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{t('schedules.none')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={900}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('schedules.key')}</Table.Th>
                    <Table.Th>{t('schedules.flow')}</Table.Th>
                    <Table.Th>{t('schedules.fireAt')}</Table.Th>
                    <Table.Th>{t('schedules.employeeTime')}</Table.Th>
                    <Table.Th>{t('schedules.status')}</Table.Th>
                    <Table.Th>{t('schedules.madeBy')}</Table.Th>
                    <Table.Th>{t('schedules.run')}</Table.Th>
                    {mayOperate && <Table.Th>{t('schedules.actions')}</Table.Th>}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((schedule) => (
                    <Table.Tr key={schedule.key} data-schedule={schedule.key}>
                      <Table.Td translate="no" ff="monospace">
                        {schedule.key}
                      </Table.Td>
                      <Table.Td translate="no">{schedule.flowId}</Table.Td>
                      <Table.Td>
                        <Time iso={schedule.fireAt} />
                      </Table.Td>
                      <Table.Td>{schedule.timeZone ? <Time iso={schedule.fireAt} timeZone={schedule.timeZone} /> : <Text size="sm">—</Text>}</Table.Td>
                      <Table.Td>
                        <StatusBadge status={schedule.status} />
                      </Table.Td>
                      <Table.Td>
                        <MadeBy createdBy={schedule.createdBy} />
                      </Table.Td>
                      <Table.Td>{schedule.runId ? <RunLink id={schedule.runId} /> : '—'}</Table.Td>
                      {mayOperate && (
                        <Table.Td>
                          {schedule.status === 'pending' && (
                            <Group gap="xs" wrap="nowrap">
                              <Button size="xs" variant="default" onClick={() => setMoving(schedule)}>
                                {t('schedules.move')}
                              </Button>
                              <ConfirmButton
                                size="xs"
                                color="red.9"
                                variant="outline"
                                label={t('schedules.cancel')}
                                question={t('schedules.cancelConfirm', { key: schedule.key })}
                                onConfirm={() => cancel.mutate(schedule.key)}
                              />
                            </Group>
                          )}
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      {moving && <MoveDialog schedule={moving} onClose={() => setMoving(undefined)} />}
    </Stack>
  );
}
