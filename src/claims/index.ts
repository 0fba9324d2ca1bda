/** Claims as code: schema, loading, the default catalog, evaluation and the run view matchers use. */
export { type AssertionResult, type SendOptions, satisfies, sends } from './assertions.ts';
export { DEFAULT_CATALOG, defaultClaims, REQUIRED_CLAIM_IDS } from './catalog/index.ts';
export { type EvaluationContext, evaluate } from './evaluate.ts';
export { explainClaim, getClaim, ruleKind, ruleKinds } from './explain.ts';
export { ClaimFileError, loadClaims, parseClaimYaml } from './load.ts';
export { classify, registrableDomain } from './recipients.ts';
export { otherMode, type RunView, runView } from './run-view.ts';
export {
  type Claim,
  ClaimError,
  type ClaimInput,
  type DataSelector,
  defineClaims,
  type Recipient,
  type RecipientClass,
  type Rule,
  type RuleKind,
} from './schema.ts';
