import { Button, Code, Paper, Stack, Text, Title } from '@mantine/core';
import { Component, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18nProvider';

function CrashPage({ error }: { error: Error }) {
  const { t } = useI18n();
  return (
    <Paper withBorder p="xl" m="md" role="alert">
      <Stack>
        <Title order={1} size="h2">
          {t('crash.title')}
        </Title>
        <Text>{t('crash.explain')}</Text>
        <Code block translate="no">
          {error.message}
        </Code>
        <Button onClick={() => window.location.reload()} w="fit-content">
          {t('crash.reload')}
        </Button>
      </Stack>
    </Paper>
  );
}

/** A page that throws while drawing shows what happened and a way out, never a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | undefined }> {
  override state: { error: Error | undefined } = { error: undefined };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidUpdate(previous: { resetKey: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }

  override render() {
    return this.state.error ? <CrashPage error={this.state.error} /> : this.props.children;
  }
}
