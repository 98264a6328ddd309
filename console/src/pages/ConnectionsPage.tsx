import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { answerOf, api } from '../api/client';
import type { ClientRateLimit, Connection } from '../api/types';
import { JsonView } from '../components/JsonView';
import { ErrorAlert, QueryState } from '../components/QueryState';
import { useI18n, type Translate } from '../i18n/I18nProvider';
import { useSession } from '../session/SessionProvider';

/** How often the page asks again, so the limiters' state stays live while a burst runs. */
const REFRESH_MS = 3000;

/** A limiter's state in one line: "12 of 50 used in the last 1 s · 3 waiting · next free in 80 ms". */
function rateLimitState(limit: ClientRateLimit, t: Translate): string {
  if (limit.used === undefined || limit.waiting === undefined) return t('connections.rateLimitStateUnavailable', { reason: limit.stateError ?? '' });
  return [
    t('connections.rateLimitUsed', { used: limit.used, limit: limit.limit, seconds: limit.perMs / 1000 }),
    t('connections.rateLimitWaiting', { waiting: limit.waiting }),
    ...(limit.nextFreeInMs ? [t('connections.rateLimitNextFree', { ms: limit.nextFreeInMs })] : []),
  ].join(' · ');
}

function ConnectionCard({ connection }: { connection: Connection }) {
  const { t } = useI18n();
  const { mayAdminister } = useSession();
  const check = useMutation({ mutationFn: () => answerOf(api.POST('/api/v1/connections/{name}/check', { params: { path: { name: connection.name } } })) });
  return (
    <Card withBorder data-connection={connection.name}>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2} size="h4" translate="no">
            {connection.name}
          </Title>
          <Text size="sm">
            {t('connections.connector')}: <span translate="no">{connection.connector}</span>
          </Text>
        </div>
        {mayAdminister && connection.checkable && (
          <Button size="xs" onClick={() => check.mutate()} loading={check.isPending}>
            {t('connections.check')}
          </Button>
        )}
      </Group>
      <Stack gap="xs" mt="sm">
        {check.data ? (
          <Alert
            color={check.data.ok ? 'green' : 'red'}
            title={
              <Text fw={700} size="sm" c="gray.9">
                {check.data.ok ? t('connections.healthy', { ms: check.data.ms }) : t('connections.unhealthy')}
              </Text>
            }
            role="status"
          >
            <Text size="sm" translate="no">
              {check.data.code ? `${check.data.code}: ` : ''}
              {check.data.detail}
            </Text>
          </Alert>
        ) : (
          mayAdminister && <Badge variant="light" color="gray">{t('connections.notChecked')}</Badge>
        )}
        {check.error && <ErrorAlert error={check.error} />}
        <Text size="sm" fw={600}>
          {t('connections.rateLimits')}
        </Text>
        {(connection.rateLimits ?? []).length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('connections.noRateLimits')}
          </Text>
        ) : (
          (connection.rateLimits ?? []).map((limit, i) => (
            <Text size="sm" key={i} title={limit.description}>
              {t('connections.rateLimit', { limit: limit.limit, seconds: limit.perSeconds, scope: limit.scope })}
            </Text>
          ))
        )}
        <Text size="sm" fw={600}>
          {t('connections.clientRateLimits')}
        </Text>
        {connection.clientRateLimits.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('connections.noClientRateLimits')}
          </Text>
        ) : (
          connection.clientRateLimits.map((limit) => (
            <Text size="sm" key={`${limit.key} ${limit.limit}/${limit.perMs}`} data-rate-limit={limit.key}>
              <span translate="no">{limit.scope}</span>: {rateLimitState(limit, t)}
            </Text>
          ))
        )}
        <Text size="sm" fw={600}>
          {t('connections.settings')}
        </Text>
        <JsonView value={connection.settings} label={t('connections.settings')} />
      </Stack>
    </Card>
  );
}

export function ConnectionsPage() {
  const { t } = useI18n();
  const connections = useQuery({ queryKey: ['connections'], queryFn: () => answerOf(api.GET('/api/v1/connections')), refetchInterval: REFRESH_MS });
  return (
    <Stack>
      <Title order={1}>{t('connections.title')}</Title>
      <QueryState query={connections}>
        {(data) => (
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            {data.items.map((connection) => (
              <ConnectionCard key={connection.name} connection={connection} />
            ))}
          </SimpleGrid>
        )}
      </QueryState>
    </Stack>
  );
}
