/**
 * Rates and multipliers are decimals written by people (1.25, 1.1); points are integers. Working in
 * thousandths with BigInt keeps every product exact: 1.1 × 100 is 110, never 109.99999999999999.
 */

export function hasAtMostThreeDecimals(value: number): boolean {
  return Math.abs(value * 1000 - Math.round(value * 1000)) < 1e-6;
}

/** 1.25 → 1250n. Only for values that passed `hasAtMostThreeDecimals`. */
export function toThousandths(value: number): bigint {
  return BigInt(Math.round(value * 1000));
}

/** ⌊numerator / denominator⌋ for non-negative values. */
export function floorDiv(numerator: bigint, denominator: bigint): bigint {
  return numerator / denominator;
}

/** numerator / denominator rounded to the nearest integer, halves up, for non-negative values. */
export function roundDiv(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}
