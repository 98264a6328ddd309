import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { answerOf, api, setCsrfToken } from '../api/client';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useI18n } from '../i18n/I18nProvider';
import { SESSION_QUERY } from '../session/SessionProvider';

export function SignInPage() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [token, setToken] = useState('');
  const [missing, setMissing] = useState(false);
  const signIn = useMutation({
    mutationFn: (given: string) => answerOf(api.POST('/api/v1/session', { body: { token: given } })),
    onSuccess: (me) => {
      setCsrfToken(me.csrfToken);
      queryClient.setQueryData(SESSION_QUERY, me);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setMissing(token.trim() === '');
    if (token.trim() !== '') signIn.mutate(token.trim());
  };
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%">
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={1} size="h2">
              {t('signIn.title')}
            </Title>
            <Text size="sm">{t('signIn.explain')}</Text>
            <PasswordInput
              label={t('signIn.token')}
              description={t('signIn.tokenHint')}
              value={token}
              onChange={(event) => setToken(event.currentTarget.value)}
              error={missing ? t('signIn.required') : undefined}
              autoComplete="off"
              required
              data-autofocus
            />
            {signIn.error && (
              <Alert color="red" title={t('signIn.failed')} role="alert">
                {signIn.error.message}
              </Alert>
            )}
            <Button type="submit" loading={signIn.isPending}>
              {t('signIn.submit')}
            </Button>
            <LanguageSwitch />
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
