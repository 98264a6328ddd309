import { en, type MessageKey } from './en.js';
import { zhCN } from './zh-CN.js';

export const LANGUAGES = [
  { value: 'en', label: 'English' },
  { value: 'zh-CN', label: '简体中文' },
] as const;
export type Language = (typeof LANGUAGES)[number]['value'];

const CATALOGS: Record<Language, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** The catalogue of `language` as a function: `{name}` in a message is replaced by `values.name`. */
export function translator(language: Language): Translate {
  return (key, values = {}) => CATALOGS[language][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
