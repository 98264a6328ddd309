import type { MessageKey } from '../i18n/en.js';
import type { Translate } from '../i18n/translate.js';
import { FORM_KEYWORDS, type FormMessages } from './json-schema-validator.js';

/** A schema value as a message shows it: `["string","null"]` as `string,null`. */
function shown(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** What the start form says of each failed keyword, from the catalogue (`form.error.<keyword>`) of the console's language. */
export function formMessages(t: Translate): FormMessages {
  const messages = {} as FormMessages;
  for (const keyword of FORM_KEYWORDS) {
    const key = `form.error.${keyword}` as MessageKey;
    messages[keyword] =
      keyword === 'dependentRequired'
        ? ({ present, missing }: { present: string; missing: string }) => t(key, { present, missing })
        : (value: unknown) => t(key, { value: shown(value) });
  }
  return messages;
}
