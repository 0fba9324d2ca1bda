import type { Token } from '../../src/model/token.ts';

/** A fresh canary value, so that no file left by an earlier run can hold it. */
export const canary = (): string => `ph${Math.random().toString(36).slice(2, 14).padEnd(12, 'x')}`;

/** `value` as the search-term canary the device scan looks for. */
export const token = (value: string): Token => ({
  value,
  kind: 'canary',
  dataClass: 'search-terms',
  label: 'search term',
});
