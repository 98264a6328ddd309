import { Badge, Button, Card, Group, Modal, Spoiler, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { answerOf, api } from '../api/client';
import type { FlowSummary } from '../api/types';
import { QueryState } from '../components/QueryState';
import { RunLink } from '../components/RunLink';
import { StartRunForm } from '../components/StartRunForm';
import { StatusBadge } from '../components/StatusBadge';
import { useI18n, type Translate } from '../i18n/I18nProvider';
import { navigate } from '../navigation/router';
import { useSession } from '../session/SessionProvider';
import { Time } from '../time/Time';

function triggerText(trigger: Record<string, unknown>, t: Translate): string {
  switch (trigger.kind) {
    case 'event':
      return t('flows.trigger.event', { event: String(trigger.event), connection: String(trigger.connection) });
    case 'cron':
      return t('flows.trigger.cron', { schedule: String(trigger.schedule), zone: String(trigger.timeZone ?? 'UTC') });
    case 'hook':
      return t('flows.trigger.hook');
    default:
      return t('flows.trigger.manual');
  }
}

function RecentRuns({ flowId }: { flowId: string }) {
  const { t } = useI18n();
  const runs = useQuery({
    queryKey: ['runs', { flow: flowId, limit: 5 }],
    queryFn: () => answerOf(api.GET('/api/v1/runs', { params: { query: { flow: flowId, limit: 5 } } })),
    refetchInterval: 5000,
  });
  return (
    <QueryState query={runs}>
      {(page) =>
        page.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('flows.noRuns')}
          </Text>
        ) : (
          <Table>
            <Table.Tbody>
              {page.items.map((run) => (
                <Table.Tr key={run.id}>
                  <Table.Td>
                    <RunLink id={run.id} />
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={run.status} />
                  </Table.Td>
                  <Table.Td>
                    <Time iso={run.createdAt} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )
      }
    </QueryState>
  );
}

function FlowCard({ flow, onStart }: { flow: FlowSummary; onStart?: () => void }) {
  const { t } = useI18n();
  const triggers = flow.triggers.length > 0 ? flow.triggers : [{ kind: 'manual' }];
  return (
    <Card withBorder data-flow={flow.id}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <div>
          <Title order={2} size="h4" translate="no">
            {flow.name ?? flow.id}
          </Title>
          <Text size="sm" c="dimmed" translate="no" ff="monospace">
            {flow.id} · {flow.version}
          </Text>
        </div>
        {onStart && <Button onClick={onStart}>{t('flows.start')}</Button>}
      </Group>
      {flow.description && (
        <Spoiler maxHeight={48} showLabel="…" hideLabel="↑" mt="xs">
          <Text size="sm" translate="no">
            {flow.description}
          </Text>
        </Spoiler>
      )}
      <Group gap="xs" mt="sm">
        <Text size="sm" fw={600}>
          {t('flows.triggers')}
        </Text>
        {triggers.map((trigger, i) => (
          <Badge key={i} variant="outline" tt="none">
            {triggerText(trigger, t)}
          </Badge>
        ))}
      </Group>
      <Text size="sm" fw={600} mt="sm">
        {t('flows.recentRuns')}
      </Text>
      <RecentRuns flowId={flow.id} />
    </Card>
  );
}

export function FlowsPage() {
  const { t } = useI18n();
  const { mayOperate } = useSession();
  const queryClient = useQueryClient();
  const [starting, setStarting] = useState<FlowSummary | undefined>();
  const flows = useQuery({ queryKey: ['flows'], queryFn: () => answerOf(api.GET('/api/v1/flows')) });
  return (
    <Stack>
      <Title order={1}>{t('flows.title')}</Title>
      <QueryState query={flows}>
        {(data) => (
          <Stack>
            {data.items.map((flow) => (
              <FlowCard key={flow.id} flow={flow} {...(mayOperate ? { onStart: () => setStarting(flow) } : {})} />
            ))}
          </Stack>
        )}
      </QueryState>
      <Modal
        opened={starting !== undefined}
        onClose={() => setStarting(undefined)}
        title={starting ? t('flows.startTitle', { flow: starting.name ?? starting.id }) : ''}
        size="lg"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {starting && (
          <StartRunForm
            flowId={starting.id}
            schema={starting.input}
            onStarted={(runId) => {
              setStarting(undefined);
              void queryClient.invalidateQueries({ queryKey: ['runs'] });
              navigate(`/runs?flow=${encodeURIComponent(starting.id)}&started=${encodeURIComponent(runId)}`);
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}
