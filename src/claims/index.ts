/** Claims as code: schema, loading, the default catalog, evaluation and the run view matchers use. */
export { type AssertionResult, type SendOptions, satisfies, sends } from './assertions.ts';
export { DEFAULT_CATALOG, defaultClaims, REQUIRED_CLAIM_IDS } from './catalog/index.ts';
export type { DataSelector, Recipient, RecipientClass } from './claim-terms.ts';
export { evaluate } from './evaluate.ts';
export { explainClaim, getClaim, ruleKind, ruleKinds } from './explain.ts';
export { ClaimFileError, loadClaims, parseClaimYaml } from './load.ts';
export { classify, registrableDomain } from './recipients.ts';
export type { Rule, RuleKind } from './rules/registry.ts';
export { otherMode, type RunView, runView } from './run-view.ts';
export { type Claim, ClaimError, type ClaimInput, defineClaims } from './schema.ts';
