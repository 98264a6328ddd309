import type { Decimal } from 'decimal.js';
import { ExactDecimal } from './exact-decimal.js';

/**
 * Splits `total` whole units across `weights` in proportion, in whole units that add up to
 * `total` exactly: each share is rounded down, then the units left over go one each to the
 * largest remainders. Ties go to the larger weight, then to the earlier index, so the result
 * never depends on anything but the arguments, and a larger weight never gets less.
 *
 * `total` is a non-negative integer and `weights` non-negative with a positive sum (the caller
 * checks), all ExactDecimals: every quantity is then an exact integer or product, never a rounded
 * quotient.
 * `beforeEach` runs before each weight is worked on, so a caller can stop a long split.
 */
export function splitByLargestRemainder(total: Decimal, weights: readonly Decimal[], beforeEach: (index: number) => void): Decimal[] {
  const weightSum = weights.reduce((sum, weight) => sum.plus(weight), new ExactDecimal(0));
  const shares: Decimal[] = [];
  // share = floor(total × weight / weightSum); remainder = what the floor dropped, × weightSum.
  const remainders: Decimal[] = [];
  let handedOut = new ExactDecimal(0);
  for (let i = 0; i < weights.length; i++) {
    beforeEach(i);
    const scaled = total.mul(weights[i]!);
    const share = scaled.divToInt(weightSum);
    shares.push(share);
    remainders.push(scaled.minus(share.mul(weightSum)));
    handedOut = handedOut.plus(share);
  }
  // Fewer than weights.length units are left, because each share dropped less than one.
  const leftover = total.minus(handedOut).toNumber();
  const order = weights.map((_, i) => i);
  order.sort((a, b) => remainders[b]!.cmp(remainders[a]!) || weights[b]!.cmp(weights[a]!) || a - b);
  for (let k = 0; k < leftover; k++) {
    const index = order[k]!;
    shares[index] = shares[index]!.plus(1);
  }
  return shares;
}
