import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, type ReactNode } from 'react';
import { isUnauthorized } from '../api/api-failure';
import { answerOf, api, setCsrfToken } from '../api/client';
import type { Role } from '../api/types';
import { ApiUnreachablePage } from '../pages/ApiUnreachablePage';
import { SignInPage } from '../pages/SignInPage';
import { Loading } from '../components/Loading';

export interface Session {
  name: string;
  role: Role;
  /** Operators and admins start, retry and cancel runs and cancel and move schedules. */
  mayOperate: boolean;
  mayAdminister: boolean;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);
export const SESSION_QUERY = ['session'] as const;

/** Who is signed in: the sign-in page until someone is, the unreachable page while the API does not answer. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const session = useQuery({
    queryKey: SESSION_QUERY,
    queryFn: async () => {
      const me = await answerOf(api.GET('/api/v1/session'));
      setCsrfToken(me.csrfToken);
      return me;
    },
    retry: false,
    staleTime: 60_000,
  });
  if (session.isPending) return <Loading />;
  if (session.error) {
    if (isUnauthorized(session.error)) return <SignInPage />;
    return <ApiUnreachablePage onRetry={() => void session.refetch()} />;
  }
  const { name, role } = session.data;
  const signOut = async () => {
    await answerOf(api.DELETE('/api/v1/session'));
    setCsrfToken(undefined);
    queryClient.clear();
    await queryClient.invalidateQueries({ queryKey: SESSION_QUERY });
  };
  const value: Session = { name, role, mayOperate: role !== 'viewer', mayAdminister: role === 'admin', signOut };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
