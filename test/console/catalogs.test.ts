import { describe, expect, it } from 'vitest';
import { en } from '../../console/src/i18n/en.js';
import { zhCN } from '../../console/src/i18n/zh-CN.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the console’s message catalogs', () => {
  it('have the same keys in English and zh-CN', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it('fill the same placeholders in both languages', () => {
    for (const [key, text] of Object.entries(en)) expect(placeholders(zhCN[key as keyof typeof zhCN]), key).toEqual(placeholders(text));
  });

  it('leave no zh-CN message in English', () => {
    const untranslated = Object.entries(zhCN).filter(([key, text]) => text === en[key as keyof typeof en] && /[A-Za-z]{3,}/.test(text));
    expect(untranslated).toEqual([['app.title', 'Staffwire']]);
  });
});
