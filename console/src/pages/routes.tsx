import type { ReactNode } from 'react';
import type { MessageKey } from '../i18n/en';
import { ConnectionsPage } from './ConnectionsPage';
import { DeliveriesPage } from './DeliveriesPage';
import { FlowsPage } from './FlowsPage';
import { NotFoundPage } from './NotFoundPage';
import { OverviewPage } from './OverviewPage';
import { RunDetailPage } from './RunDetailPage';
import { RunsPage } from './RunsPage';
import { SchedulesPage } from './SchedulesPage';

/** The pages in the navigation, in its order; the server answers each path with the console (src/server/routes/console.ts). */
export const NAVIGATION: { path: string; label: MessageKey }[] = [
  { path: '/', label: 'nav.overview' },
  { path: '/flows', label: 'nav.flows' },
  { path: '/runs', label: 'nav.runs' },
  { path: '/schedules', label: 'nav.schedules' },
  { path: '/deliveries', label: 'nav.deliveries' },
  { path: '/connections', label: 'nav.connections' },
];

/** The page for a path, and which navigation entry it belongs to. */
export function pageFor(path: string): { page: ReactNode; section: string | undefined } {
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run) return { page: <RunDetailPage runId={decodeURIComponent(run[1]!)} />, section: '/runs' };
  switch (path) {
    case '/':
    case '/sign-in':
      return { page: <OverviewPage />, section: '/' };
    case '/flows':
      return { page: <FlowsPage />, section: path };
    case '/runs':
      return { page: <RunsPage />, section: path };
    case '/schedules':
      return { page: <SchedulesPage />, section: path };
    case '/deliveries':
      return { page: <DeliveriesPage />, section: path };
    case '/connections':
      return { page: <ConnectionsPage />, section: path };
    default:
      return { page: <NotFoundPage />, section: undefined };
  }
}
