import { describe, expect, it } from 'vitest';
import type { AndroidError } from '../../drivers/android/errors.ts';
import { getRecipe, type Step } from '../../drivers/android/recipe.ts';
import { RecipeRunner, type StepTarget } from '../../drivers/android/recipe-runner.ts';

/**
 * Toggles in recipes are read before they are set. Appium's fake driver cannot report a screen's
 * `checked` (it answers only attributes its own commands set), so the runner is driven here by a
 * screen that answers W3C commands the way UiAutomator2 does for a CheckBox: `checked` and
 * `checkable` as "true"/"false", a tap flipping it (or not, for a box that ignores taps).
 */

interface Box {
  checkable: string | null;
  checked: string | null;
  /** Whether a tap changes it (a disabled or overlaid box does not). */
  flips: boolean;
  taps: number;
}

function screen(boxes: Record<string, Box>): StepTarget & { boxes: Record<string, Box> } {
  return {
    boxes,
    findElements: async (using, value) =>
      using === 'id' && boxes[value] ? [{ 'element-6066-11e4-a52e-4f735466cecf': value }] : [],
    elementClick: async (id) => {
      const box = boxes[id];
      if (!box) throw new Error(`no such element ${id}`);
      box.taps += 1;
      if (box.flips) box.checked = box.checked === 'true' ? 'false' : 'true';
    },
    getElementAttribute: async (id, name) => {
      const box = boxes[id];
      return name === 'checked'
        ? (box?.checked ?? null)
        : name === 'checkable'
          ? (box?.checkable ?? null)
          : null;
    },
    elementClear: async () => {},
    elementSendKeys: async () => {},
    performActions: async () => {},
    releaseActions: async () => {},
    execute: async () => undefined,
    back: async () => {},
  };
}

const BOX = 'com.android.chrome:id/send_report_checkbox';
const box = (checked: string | null, flips = true, checkable: string | null = 'true'): Box => ({
  checkable,
  checked,
  flips,
  taps: 0,
});
/** Chrome's consent steps as shipped, up to and including its metrics box. */
const consentSteps = (answer: 'granted' | 'declined'): Step[] =>
  getRecipe('chrome').consent[answer].filter((s) => 'set' in s);

async function run(answer: 'granted' | 'declined', b: Box) {
  const target = screen({ [BOX]: b });
  const runner = new RecipeRunner(target, { androidKeys: true, optionalTimeoutMs: 0, pollMs: 1 });
  return runner.run(consentSteps(answer), {}, `consent.${answer}`);
}

describe('toggles in recipes', () => {
  it("should ship Chrome's metrics box as a toggle to set, in both consent answers", () => {
    expect(consentSteps('declined')).toEqual([expect.objectContaining({ checked: false, optional: true })]);
    expect(consentSteps('granted')).toEqual([expect.objectContaining({ checked: true, optional: true })]);
  });

  it('should leave a box that is already off untouched when declining (a blind tap would turn reports on)', async () => {
    const b = box('false');
    expect((await run('declined', b)).map((o) => o.outcome)).toEqual(['unchanged']);
    expect(b).toMatchObject({ taps: 0, checked: 'false' });
  });

  it('should untick a ticked box when declining, and tick an unticked one when granting, each once', async () => {
    const on = box('true');
    expect((await run('declined', on)).map((o) => o.outcome)).toEqual(['done']);
    expect(on).toMatchObject({ taps: 1, checked: 'false' });
    const off = box('false');
    expect((await run('granted', off)).map((o) => o.outcome)).toEqual(['done']);
    expect(off).toMatchObject({ taps: 1, checked: 'true' });
  });

  it('should fail the step when the tap did not change the box, or its state or kind cannot be read', async () => {
    const stuck = box('true', false);
    const error = (await run('declined', stuck).catch((e) => e)) as AndroidError;
    expect(error.code).toBe('recipe-step-failed');
    expect(error.message).toBe(
      `android recipe consent.declined step 1 (set id "${BOX}" (unverified) off) failed: it is still on after the tap`,
    );
    expect(stuck.taps).toBe(1);
    for (const [b, says] of [
      [box(null), 'cannot read whether it is checked (checked=null)'],
      [box('yes'), 'cannot read whether it is checked (checked="yes")'],
      [box('true', true, 'false'), 'it is not a toggle (checkable is not true)'],
    ] as const) {
      const e = (await run('declined', b).catch((x) => x)) as AndroidError;
      expect(e.message).toContain(says);
      expect(b.taps).toBe(0);
    }
  });

  it('should skip an optional toggle that is not on screen', async () => {
    const runner = new RecipeRunner(screen({}), { androidKeys: true, optionalTimeoutMs: 0, pollMs: 1 });
    expect((await runner.run(consentSteps('declined'))).map((o) => o.outcome)).toEqual(['skipped']);
  });
});
