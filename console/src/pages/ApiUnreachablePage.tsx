import { Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { useI18n } from '../i18n/I18nProvider';

/** What the console shows instead of a blank page when the API does not answer. */
export function ApiUnreachablePage({ onRetry }: { onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder p="xl" w={520} maw="100%" role="alert">
        <Stack>
          <Title order={1} size="h2">
            {t('unreachable.title')}
          </Title>
          <Text>{t('unreachable.explain')}</Text>
          <Button onClick={onRetry} w="fit-content">
            {t('unreachable.retry')}
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
