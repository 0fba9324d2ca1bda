import { describe, expect, it } from 'vitest';
import { focusWindow, type XDisplay } from '../../drivers/x-display.ts';

/** A display whose `windowfocus --sync` gives up `failures` times before the focus arrives. */
function slowFocus(failures: number): { x: XDisplay; calls: string[][] } {
  const calls: string[][] = [];
  let left = failures;
  const x = {
    xdotool: async (...args: string[]) => {
      calls.push(args);
      if (left-- > 0) throw new Error('Command failed: xdotool windowfocus --sync 2097170');
      return '';
    },
  } as unknown as XDisplay;
  return { x, calls };
}

describe('focusWindow', () => {
  it('should ask again when the focus came late, and stop once it came', async () => {
    const { x, calls } = slowFocus(2);
    await focusWindow(x, '2097170');
    expect(calls).toEqual(Array(3).fill(['windowfocus', '--sync', '2097170']));
  });

  it('should let the error stand after three tries', async () => {
    const { x, calls } = slowFocus(3);
    await expect(focusWindow(x, '42')).rejects.toThrow(/windowfocus --sync/);
    expect(calls).toHaveLength(3);
  });
});
