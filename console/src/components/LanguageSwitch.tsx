import { NativeSelect } from '@mantine/core';
import { LANGUAGES, useI18n, type Language } from '../i18n/I18nProvider';

/** The language picker; in the header it has no visible label (the page says what it is) but keeps its accessible name. */
export function LanguageSwitch({ withLabel = true }: { withLabel?: boolean }) {
  const { language, setLanguage, t } = useI18n();
  return (
    <NativeSelect
      translate="no"
      {...(withLabel ? { label: t('app.language') } : { 'aria-label': t('app.language') })}
      data={LANGUAGES.map((l) => ({ value: l.value, label: l.label }))}
      value={language}
      onChange={(event) => setLanguage(event.currentTarget.value as Language)}
      size="xs"
      w={140}
    />
  );
}
