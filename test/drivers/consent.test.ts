import { describe, expect, it } from 'vitest';
import { androidTargetFromSpec } from '../../drivers/android/android-target.ts';
import { consentOf } from '../../drivers/consent.ts';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';

describe('consentOf', () => {
  it('should give `none` for every desktop target: they show no consent screen', () => {
    expect(DEFAULT_TARGETS.map(consentOf)).toEqual(DEFAULT_TARGETS.map(() => 'none'));
  });

  it('should give the answer an Android recipe gives its consent screens', () => {
    const declined = androidTargetFromSpec('android:emulator-5554:chrome');
    expect(consentOf(declined)).toBe('declined');
    const granted = { ...declined, options: { ...declined.options, consent: 'granted' } };
    expect(consentOf(granted)).toBe('granted');
  });

  it('should give `none` for an Android target whose answer is missing or unknown', () => {
    const target = androidTargetFromSpec('android:emulator-5554:firefox');
    expect(consentOf({ ...target, options: { ...target.options, consent: undefined } })).toBe('none');
    expect(consentOf({ ...target, options: { ...target.options, consent: 'maybe' } })).toBe('none');
  });
});
