import { Decimal } from 'decimal.js';

/** The most digits a decimal argument may have on each side of its point. */
export const MAX_INTEGER_DIGITS = 100;
export const MAX_DECIMAL_PLACES = 100;

/**
 * Decimal.js rounds every result to `precision` significant digits. Arguments are bounded to
 * MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES digits, so the widest value any function here builds
 * (a product of two arguments, a sum of a million of them, a quotient's remainder times the
 * divisor) stays well under this precision and no operation ever rounds unasked.
 */
export const ExactDecimal = Decimal.clone({ precision: 1000, rounding: Decimal.ROUND_DOWN, toExpNeg: -1000, toExpPos: 1000 });

/** A decimal value and the number of decimal places it was written with (`1.50` has 2). */
export interface ScaledDecimal {
  value: Decimal;
  places: number;
}

const PLAIN_DECIMAL = /^[+-]?(\d+)(?:\.(\d+))?$/;

/**
 * Reads a decimal string (`-1234.50`: digits, an optional point and sign, no exponent, grouping
 * or spaces) or a finite number, which is read through its shortest string form so that `0.1`
 * is exactly one tenth. Gives a problem to report instead when the value is neither, or wider
 * than the bounds.
 */
export function readDecimal(value: unknown): ScaledDecimal | { problem: string } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { problem: 'must be a finite number' };
    const exact = new ExactDecimal(String(value));
    return withinBounds(exact, exact.decimalPlaces());
  }
  if (typeof value !== 'string') return { problem: 'must be a number or a decimal string like "1234.56"' };
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return { problem: 'must be a decimal string like "1234.56" (digits and one point, no exponent, grouping or spaces)' };
  const integerDigits = match[1]!.replace(/^0+(?=.)/, '').length;
  const places = match[2]?.length ?? 0;
  if (integerDigits > MAX_INTEGER_DIGITS || places > MAX_DECIMAL_PLACES) return tooWide();
  return { value: new ExactDecimal(value), places };
}

/** `value` written with exactly `places` decimal places, never in exponent form, never `-0`. */
export function formatDecimal(value: Decimal, places: number): string {
  return (value.isZero() ? new ExactDecimal(0) : value).toFixed(places);
}

function withinBounds(value: Decimal, places: number): ScaledDecimal | { problem: string } {
  const integerDigits = value.isZero() ? 1 : Math.max(1, value.abs().floor().toFixed(0).length);
  if (integerDigits > MAX_INTEGER_DIGITS || places > MAX_DECIMAL_PLACES) return tooWide();
  return { value, places };
}

function tooWide(): { problem: string } {
  return { problem: `has more than ${MAX_INTEGER_DIGITS} digits before or ${MAX_DECIMAL_PLACES} after the decimal point` };
}
