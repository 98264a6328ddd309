import { Alert } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { Loading } from './Loading';

/** A query's data drawn by `children` once it came; loading and errors shown the same way on every page. */
export function QueryState<Data>({ query, children }: { query: UseQueryResult<Data>; children: (data: Data) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorAlert error={query.error} />;
  return <>{children(query.data)}</>;
}

export function ErrorAlert({ error }: { error: Error }) {
  const { t } = useI18n();
  return (
    <Alert color="red" title={t('common.error')} role="alert">
      <span translate="no">{error.message}</span>
    </Alert>
  );
}
