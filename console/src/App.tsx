import { MantineProvider } from '@mantine/core';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { isUnauthorized } from './api/api-failure';
import { ConsoleLayout } from './components/ConsoleLayout';
import { I18nProvider } from './i18n/I18nProvider';
import { SESSION_QUERY, SessionProvider } from './session/SessionProvider';
import { cssVariablesResolver, theme } from './theme';

/** A session ended elsewhere (signed out, expired, token removed) shows up as a 401 on any query: back to sign-in. */
const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    onError: (error, query) => {
      if (isUnauthorized(error) && query.queryKey[0] !== SESSION_QUERY[0]) void queryClient.invalidateQueries({ queryKey: SESSION_QUERY });
    },
  }),
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: true } },
});

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <QueryClientProvider client={queryClient}>
        <I18nProvider>
          <SessionProvider>
            <ConsoleLayout />
          </SessionProvider>
        </I18nProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
