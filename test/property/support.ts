/**
 * Shared settings of the property tests: at least 10,000 runs per property, a fixed seed so CI
 * explores the same cases every time (set `REGCTL_PROPERTY_SEED` to explore others; a failure
 * prints the seed and path to replay it), and the one rule every parser must obey: it returns,
 * or it throws a RegctlError, never anything else.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { RegctlError } from '../../src/errors.js';

/** Runs per property. */
export const RUNS = 10_000;

/** fast-check parameters for every property. */
export const params: fc.Parameters<unknown> = {
  numRuns: RUNS,
  seed: Number(process.env.REGCTL_PROPERTY_SEED) || 20_240_601,
};

/** Calls `fn`; a throw must be a RegctlError with a message (and one of `codes`, when given). */
export function typedOnly<T>(fn: () => T, ...codes: string[]): T | undefined {
  try {
    return fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RegctlError);
    expect((e as RegctlError).message.length).toBeGreaterThan(0);
    if (codes.length) expect(codes).toContain((e as RegctlError).code);
    return undefined;
  }
}

/** Async {@link typedOnly}. */
export async function typedOnlyAsync<T>(fn: () => Promise<T>, ...codes: string[]): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RegctlError);
    if (codes.length) expect(codes).toContain((e as RegctlError).code);
    return undefined;
  }
}

/** Any string, including lone surrogates, controls and astral characters. */
export const anyString = (maxLength = 80) => fc.string({ unit: 'binary', maxLength });

/** Strings made mostly of the characters a parser cares about, so edge cases come up often. */
export const syntaxString = (alphabet: string, maxLength = 60) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...alphabet), maxLength }),
    fc.string({ unit: fc.oneof(fc.constantFrom(...alphabet), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength }),
  );
