import { Accordion, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { answerOf, api } from '../api/client';
import type { Delivery } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { JsonView } from '../components/JsonView';
import { ErrorAlert, QueryState } from '../components/QueryState';
import { RunLink } from '../components/RunLink';
import { StatusBadge } from '../components/StatusBadge';
import { useI18n } from '../i18n/I18nProvider';
import { useSession } from '../session/SessionProvider';
import { Time } from '../time/Time';

const OUTCOMES = ['accepted', 'duplicate', 'refused', 'challenge'] as const;

function DispatchList({ delivery }: { delivery: Delivery }) {
  const { t } = useI18n();
  return (
    <Stack gap={2}>
      {(delivery.dispatch ?? []).map((result, i) => (
        <Text size="sm" key={i}>
          {result.woken ? (
            <>{t('deliveries.woke', { run: '' })}</>
          ) : (
            <span translate="no">{result.flowId} </span>
          )}
          {result.runId && <RunLink id={result.runId} />}
          {result.started === false && result.reason && <> {t('deliveries.notStarted', { reason: result.reason })}</>}
        </Text>
      ))}
    </Stack>
  );
}

export function DeliveriesPage() {
  const { t } = useI18n();
  const { mayAdminister } = useSession();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<string | null>(null);
  const deliveries = useQuery({
    queryKey: ['deliveries', outcome],
    queryFn: () => answerOf(api.GET('/api/v1/deliveries', { params: { query: { limit: 50, ...(outcome ? { outcome } : {}) } } })),
    refetchInterval: 3000,
  });
  const replay = useMutation({
    mutationFn: (id: number) => answerOf(api.POST('/api/v1/deliveries/{id}/replay', { params: { path: { id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['deliveries'] }),
  });
  return (
    <Stack>
      <Title order={1}>{t('deliveries.title')}</Title>
      <Select
        label={t('deliveries.outcome')}
        placeholder={t('deliveries.anyOutcome')}
        data={OUTCOMES.map((o) => ({ value: o, label: t(`outcome.${o}`) }))}
        value={outcome}
        onChange={setOutcome}
        clearable
        w={220}
      />
      {replay.error && <ErrorAlert error={replay.error} />}
      <QueryState query={deliveries}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{t('deliveries.none')}</Text>
          ) : (
            <Accordion variant="separated" multiple>
              {page.items.map((delivery) => (
                <Accordion.Item key={delivery.id} value={String(delivery.id)}>
                  <Accordion.Control>
                    <Group gap="sm">
                      <Text size="sm" ff="monospace">
                        #{delivery.id}
                      </Text>
                      <StatusBadge status={delivery.outcome} kind="outcome" />
                      <Text size="sm" translate="no">
                        {delivery.source}
                      </Text>
                      <Text size="sm" translate="no">
                        {delivery.event?.type}
                      </Text>
                      <Time iso={delivery.receivedAt} />
                    </Group>
                  </Accordion.Control>
                  <Accordion.Panel>
                    <Stack gap="xs">
                      {delivery.reason && (
                        <Text size="sm">
                          {t('deliveries.reason')}:{' '}
                          <span translate="no">
                            {delivery.reason.code} — {delivery.reason.message}
                          </span>
                        </Text>
                      )}
                      {(delivery.dispatch ?? []).length > 0 && (
                        <>
                          <Text size="sm" fw={600}>
                            {t('deliveries.runs')}
                          </Text>
                          <DispatchList delivery={delivery} />
                        </>
                      )}
                      {delivery.event && (
                        <>
                          <Text size="sm" fw={600}>
                            {t('deliveries.payload')}
                          </Text>
                          <JsonView value={delivery.event.payload} label={t('deliveries.payload')} />
                        </>
                      )}
                      {mayAdminister && delivery.outcome === 'accepted' && (
                        <ConfirmButton
                          size="xs"
                          w="fit-content"
                          label={t('deliveries.replay')}
                          question={t('deliveries.replayConfirm', { id: delivery.id })}
                          onConfirm={() => replay.mutate(delivery.id)}
                          loading={replay.isPending}
                        />
                      )}
                    </Stack>
                  </Accordion.Panel>
                </Accordion.Item>
              ))}
            </Accordion>
          )
        }
      </QueryState>
    </Stack>
  );
}
