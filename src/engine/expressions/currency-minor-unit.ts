/** The currencies the runtime's ICU data knows, by ISO 4217 code. */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/**
 * The number of decimals of a currency's minor unit (CNY 2, JPY 0, KWD 3), from the ISO 4217 data
 * Node ships with ICU; undefined for a code that is not a currency. Intl formats any three
 * letters as a currency with two decimals, so the code is checked against the known list first.
 */
export function currencyMinorUnit(code: string): number | undefined {
  if (!KNOWN_CURRENCIES.has(code)) return undefined;
  return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits;
}
