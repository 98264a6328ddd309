import { DateTimePicker } from '@mantine/dates';
import 'dayjs/locale/zh-cn';
import { useI18n, type Language } from '../i18n/I18nProvider';

/** How a picked moment reads in the field, in the console's language rather than the browser's. */
const FORMATS: Record<Language, { locale: string; withSeconds: string; withoutSeconds: string }> = {
  en: { locale: 'en', withSeconds: 'YYYY-MM-DD HH:mm:ss', withoutSeconds: 'YYYY-MM-DD HH:mm' },
  'zh-CN': { locale: 'zh-cn', withSeconds: 'YYYY年M月D日 HH:mm:ss', withoutSeconds: 'YYYY年M月D日 HH:mm' },
};

interface MomentInputProps {
  label: string;
  /** The viewer's wall-clock time as `YYYY-MM-DD HH:mm:ss`, or '' for none. */
  value: string;
  onChange(value: string): void;
  withSeconds?: boolean;
  required?: boolean;
  placeholder?: string;
  w?: number;
}

/**
 * A date and time picked on a calendar in the console's language. A native datetime-local field
 * would show the browser's own format (mm/dd/yyyy in an English browser) however the console is
 * set, so a zh-CN page would keep English in it.
 */
export function MomentInput({ label, value, onChange, withSeconds = false, required = false, placeholder, w }: MomentInputProps) {
  const { language, t } = useI18n();
  const format = FORMATS[language];
  return (
    <DateTimePicker
      label={label}
      value={value === '' ? null : value}
      onChange={(next) => onChange(next ?? '')}
      locale={format.locale}
      valueFormat={withSeconds ? format.withSeconds : format.withoutSeconds}
      withSeconds={withSeconds}
      clearable={!required}
      required={required}
      placeholder={placeholder}
      submitButtonProps={{ 'aria-label': t('common.confirm') }}
      clearButtonProps={{ 'aria-label': t('common.clear') }}
      w={w}
    />
  );
}

/** A MomentInput value (the viewer's wall clock) as the moment it names; undefined for none. */
export function momentOf(local: string): Date | undefined {
  return local === '' ? undefined : new Date(local.replace(' ', 'T'));
}
