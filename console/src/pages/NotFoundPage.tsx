import { Stack, Title } from '@mantine/core';
import { useI18n } from '../i18n/I18nProvider';
import { Link } from '../navigation/router';

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <Stack>
      <Title order={1}>{t('notFound.title')}</Title>
      <Link to="/">{t('notFound.back')}</Link>
    </Stack>
  );
}
