import { AppShell, Badge, Burger, Button, Group, NavLink, Text, Title, VisuallyHidden } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useI18n } from '../i18n/I18nProvider';
import { navigate, useLocation } from '../navigation/router';
import { NAVIGATION, pageFor } from '../pages/routes';
import { useSession } from '../session/SessionProvider';
import { ErrorBoundary } from './ErrorBoundary';
import { LanguageSwitch } from './LanguageSwitch';

/** Header (who, language, sign-out), the navigation (collapsing behind a burger below tablet width) and the page. */
export function ConsoleLayout() {
  const { t } = useI18n();
  const session = useSession();
  const { path } = useLocation();
  const [opened, { toggle, close }] = useDisclosure();
  const { page, section } = pageFor(path);
  return (
    <AppShell header={{ height: 64 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <a href="#content" className="skip-link">
        {t('app.skipToContent')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('app.openMenu')} />
            <Title order={2} size="h3" translate="no">
              {t('app.title')}
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguageSwitch withLabel={false} />
            <Text size="sm" visibleFrom="sm">
              <VisuallyHidden>{t('app.signedInAs', { name: '' })}</VisuallyHidden>
              <span translate="no">{session.name}</span>
            </Text>
            <Badge variant="light" c="gray.9" data-testid="role">
              {t(`role.${session.role}`)}
            </Badge>
            <Button variant="default" size="xs" onClick={() => void session.signOut()}>
              {t('app.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('nav.label')}>
        {NAVIGATION.map((entry) => (
          <NavLink
            key={entry.path}
            href={entry.path}
            label={t(entry.label)}
            active={section === entry.path}
            aria-current={section === entry.path ? 'page' : undefined}
            onClick={(event) => {
              event.preventDefault();
              close();
              navigate(entry.path);
            }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="content" tabIndex={-1}>
        <ErrorBoundary resetKey={path}>{page}</ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
