import { Center, Loader } from '@mantine/core';
import { useI18n } from '../i18n/I18nProvider';

export function Loading() {
  const { t } = useI18n();
  return (
    <Center p="xl" role="status">
      <Loader aria-label={t('common.loading')} />
    </Center>
  );
}
