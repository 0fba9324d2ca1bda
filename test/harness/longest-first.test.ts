import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { longestFirst } from '../../src/harness/plan.ts';

describe('the order the matrix starts its targets in', () => {
  it('should start the slowest browsers first and keep alike targets in their order', () => {
    const order = longestFirst(DEFAULT_TARGETS).map((t) => t.id);
    expect(order).toEqual([
      'firefox-esr',
      'gnome-web',
      'qutebrowser',
      'falkon',
      'webkitgtk',
      'chromium',
      'reference',
    ]);
    expect(DEFAULT_TARGETS.map((t) => t.id)[0]).toBe('chromium');
  });

  it('should place a target of a driver it has no figure for in the middle', () => {
    const other = { ...DEFAULT_TARGETS[0]!, id: 'other', driver: 'webkit-webdriver' };
    const order = longestFirst([DEFAULT_TARGETS[0]!, other, DEFAULT_TARGETS[1]!]).map((t) => t.id);
    expect(order).toEqual(['firefox-esr', 'other', 'chromium']);
  });
});
