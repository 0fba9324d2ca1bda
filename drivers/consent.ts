import type { Consent } from '../src/model/run-record.ts';
import { getRecipe } from './android/recipe.ts';
import type { TargetConfig } from './driver.ts';

/**
 * The consent a target's scenarios give, for ScenarioRecord.consent: Android targets answer their
 * recipe's consent screens as `options.consent` says (`granted` or `declined`); a recipe without
 * consent screens, and every desktop target (the browsers here show none at first start), give
 * `none`. Claims about declined consent apply to `none` and `declined`, claims about granted consent
 * only to `granted` (src/claims/evaluate.ts).
 */
export function consentOf(target: TargetConfig): Consent {
  if (target.engine !== 'android') return 'none';
  const answer = target.options?.consent;
  if (answer !== 'granted' && answer !== 'declined') return 'none';
  const recipeId = target.options?.recipe;
  if (typeof recipeId === 'string') {
    try {
      if (getRecipe(recipeId).consent[answer].length === 0) return 'none';
    } catch {
      // An unknown recipe fails at launch, with its own error; the answer the target asks for stands.
    }
  }
  return answer;
}
