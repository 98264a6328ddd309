import { Accordion, Alert, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { answerOf, api } from '../api/client';
import { FINISHED, type RunDetail } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { JsonView } from '../components/JsonView';
import { ErrorAlert, QueryState } from '../components/QueryState';
import { RunLink } from '../components/RunLink';
import { StatusBadge } from '../components/StatusBadge';
import { StepTimeline } from '../components/StepTimeline';
import type { MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';
import { Link } from '../navigation/router';
import { useSession } from '../session/SessionProvider';
import { durationText, Time } from '../time/Time';

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

function RunError({ run }: { run: RunDetail }) {
  const { t } = useI18n();
  if (!run.error) return null;
  const details = run.error.details ?? {};
  return (
    <Alert color="red" title={t('run.error')} role="alert" data-testid="run-error">
      <Stack gap={4}>
        <Text size="sm" translate="no">
          {run.error.message}
        </Text>
        <Group gap="lg">
          <Fact label={t('run.errorCode')}>
            <span translate="no">{run.error.code}</span>
          </Fact>
          {details.vendorCode !== undefined && (
            <Fact label={t('run.vendorCode')}>
              <span translate="no">{String(details.vendorCode)}</span>
            </Fact>
          )}
          {typeof details.logId === 'string' && (
            <Fact label={t('run.logId')}>
              <span translate="no">{details.logId}</span>
            </Fact>
          )}
          {run.error.step && (
            <Fact label={t('run.failedStep')}>
              <span translate="no">{run.error.step}</span>
            </Fact>
          )}
        </Group>
      </Stack>
    </Alert>
  );
}

function RunActions({ run }: { run: RunDetail }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['runs'] });
  const retry = useMutation({ mutationFn: () => answerOf(api.POST('/api/v1/runs/{id}/retry', { params: { path: { id: run.id } } })), onSettled: refresh });
  const cancel = useMutation({ mutationFn: () => answerOf(api.POST('/api/v1/runs/{id}/cancel', { params: { path: { id: run.id } } })), onSettled: refresh });
  const failure = retry.error ?? cancel.error;
  return (
    <Stack gap="xs">
      <Group>
        {run.status === 'failed' && <ConfirmButton label={t('run.retry')} question={t('run.retryConfirm', { id: run.id })} onConfirm={() => retry.mutate()} loading={retry.isPending} />}
        {!FINISHED.includes(run.status) && (
          <ConfirmButton label={t('run.cancel')} question={t('run.cancelConfirm', { id: run.id })} onConfirm={() => cancel.mutate()} loading={cancel.isPending} color="red.9" variant="outline" />
        )}
      </Group>
      {failure && <ErrorAlert error={failure} />}
    </Stack>
  );
}

/** One of a step's JSON values (input, output, state) under its title; nothing when the step has none. */
function StepJson({ path, title, value }: { path: string; title: string; value: unknown }) {
  if (value === undefined) return null;
  return (
    <>
      <Text size="sm" fw={600}>
        {title}
      </Text>
      <JsonView value={value} label={`${path} ${title}`} />
    </>
  );
}

export function RunDetailPage({ runId }: { runId: string }) {
  const { t, language } = useI18n();
  const { mayOperate } = useSession();
  const run = useQuery({
    queryKey: ['runs', 'detail', runId],
    queryFn: () => answerOf(api.GET('/api/v1/runs/{id}', { params: { path: { id: runId } } })),
    refetchInterval: (query) => (query.state.data && FINISHED.includes(query.state.data.status) ? 5000 : 1000),
  });
  return (
    <Stack>
      <Link to="/runs">← {t('run.back')}</Link>
      <QueryState query={run}>
        {(data) => (
          <Stack>
            <Group justify="space-between" align="flex-start">
              <Group gap="sm">
                <Title order={1} size="h2">
                  {t('run.title', { id: '' })}
                  <span translate="no">{data.id}</span>
                </Title>
                <StatusBadge status={data.status} />
              </Group>
              {mayOperate && <RunActions run={data} />}
            </Group>
            <Card withBorder>
              <SimpleGrid cols={{ base: 2, md: 4 }}>
                <Fact label={t('run.flow')}>
                  <span translate="no">{data.flowId}</span>
                </Fact>
                <Fact label={t('run.version')}>
                  <span translate="no">{data.flowVersion}</span>
                </Fact>
                <Fact label={t('run.businessKey')}>
                  <span translate="no">{data.businessKey ?? '—'}</span>
                </Fact>
                <Fact label={t('run.startedBy')}>
                  <span translate="no">{data.createdBy ?? '—'}</span>
                </Fact>
                <Fact label={t('run.created')}>
                  <Time iso={data.createdAt} />
                </Fact>
                <Fact label={t('run.finished')}>
                  <Time iso={data.finishedAt} />
                </Fact>
                <Fact label={t('runs.duration')}>{durationText(language, data.startedAt, data.finishedAt)}</Fact>
                {data.parentRunId && (
                  <Fact label={t('run.parent')}>
                    <RunLink id={data.parentRunId} />
                  </Fact>
                )}
              </SimpleGrid>
            </Card>
            <RunError run={data} />
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                {t('run.timeline')}
              </Title>
              <StepTimeline run={data} />
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                {t('run.input')}
              </Title>
              <JsonView value={data.input} label={t('run.input')} />
              {data.output !== undefined && (
                <>
                  <Title order={2} size="h4" my="sm">
                    {t('run.output')}
                  </Title>
                  <JsonView value={data.output} label={t('run.output')} />
                </>
              )}
              {data.waitingFor && data.waitingFor.length > 0 && (
                <>
                  <Title order={2} size="h4" my="sm">
                    {t('run.waitingFor')}
                  </Title>
                  <JsonView value={data.waitingFor} label={t('run.waitingFor')} />
                </>
              )}
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                {t('run.steps')}
              </Title>
              <Accordion multiple variant="separated">
                {data.steps.map((step) => (
                  <Accordion.Item key={step.path} value={step.path}>
                    <Accordion.Control>
                      <Group gap="sm">
                        <Text ff="monospace" size="sm" translate="no">
                          {step.path}
                        </Text>
                        <Text size="xs" c="dimmed" translate="no">
                          {step.kind}
                        </Text>
                        <StatusBadge status={step.status} />
                        <Text size="xs">{durationText(language, step.startedAt, step.finishedAt)}</Text>
                        <Text size="xs">
                          {t('run.attempts')}: {step.attempts}
                        </Text>
                      </Group>
                    </Accordion.Control>
                    <Accordion.Panel>
                      <Stack gap="xs">
                        <Fact label={t('run.started')}>
                          <Time iso={step.startedAt} />
                        </Fact>
                        {step.error && (
                          <Alert color="red" title={t('run.error')}>
                            <Text size="sm" translate="no">
                              {step.error.code}: {step.error.message}
                            </Text>
                          </Alert>
                        )}
                        <StepJson path={step.path} title={t('run.input')} value={step.input} />
                        <StepJson path={step.path} title={t('run.output')} value={step.output} />
                        <StepJson path={step.path} title={t('run.state')} value={step.state} />
                      </Stack>
                    </Accordion.Panel>
                  </Accordion.Item>
                ))}
              </Accordion>
            </Card>
            {data.subRuns.length > 0 && (
              <Card withBorder>
                <Title order={2} size="h4" mb="sm">
                  {t('run.subRuns')}
                </Title>
                <Table>
                  <Table.Tbody>
                    {data.subRuns.map((sub) => (
                      <Table.Tr key={sub.id}>
                        <Table.Td>
                          <RunLink id={sub.id} />
                        </Table.Td>
                        <Table.Td translate="no">{sub.flowId}</Table.Td>
                        <Table.Td translate="no">{sub.parentStepPath}</Table.Td>
                        <Table.Td>
                          <StatusBadge status={sub.status} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Card>
            )}
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                {t('run.journal')}
              </Title>
              <Table.ScrollContainer minWidth={520}>
                <Table data-testid="journal">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('run.at')}</Table.Th>
                      <Table.Th>{t('run.entry')}</Table.Th>
                      <Table.Th>{t('run.step')}</Table.Th>
                      <Table.Th>{t('run.attempts')}</Table.Th>
                      <Table.Th>{t('run.actor')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.journal.map((entry) => (
                      <Table.Tr key={entry.seq} data-type={entry.type}>
                        <Table.Td>
                          <Time iso={entry.at} />
                        </Table.Td>
                        <Table.Td>{t(`journal.${entry.type}` as MessageKey)}</Table.Td>
                        <Table.Td translate="no">{entry.step ?? '—'}</Table.Td>
                        <Table.Td>{entry.attempt ?? '—'}</Table.Td>
                        <Table.Td translate="no">{entry.actor}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Card>
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
