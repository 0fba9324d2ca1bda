import type { ClaimAppliesTo, Consent, ScenarioRecord, TargetRecord } from '../model/run-record.ts';
import type { ClaimBase } from './claim-terms.ts';
import type { Rule } from './rules/registry.ts';
import { ruleKindOf } from './rules/registry.ts';
import type { RunView } from './run-view.ts';

/** The scenario records a claim is judged on, split by what they say of consent. */
export interface ClaimScope {
  /** Records of the cell's target (both modes for a rule that compares modes). */
  inScope: ScenarioRecord[];
  /** Those whose consent matches the claim's `when.consent`. */
  records: ScenarioRecord[];
  /** Those that do not say what consent they gave, for a consent-specific claim. */
  unknownConsent: ScenarioRecord[];
}

/** Which records of the view a claim is about (by target, mode and consent). */
export function scopeOf(claim: ClaimBase & { rule: Rule }, view: RunView): ClaimScope {
  const kind = ruleKindOf(claim.rule.kind);
  // A rule that compares the two modes reads both; every other rule reads the cell's mode.
  const inScope = view.records.filter(
    (r) =>
      r.target.base === view.target.base && (kind.comparesModes === true || r.target.id === view.target.id),
  );
  const records = inScope.filter((r) => consentMatches(r.consent, claim.when.consent));
  // A record that does not say what consent it gave (written before consent was recorded) may or may
  // not be one the claim is about: it can neither pass nor fail the claim.
  const unknownConsent =
    claim.when.consent === 'any'
      ? []
      : inScope.filter((r) => (r.consent as Consent | undefined) === undefined);
  return { inScope, records, unknownConsent };
}

/**
 * Why a claim is not about the cell's target, or undefined when it is. A claim is not applicable when
 * its `appliesTo` names neither the target nor its engine, when it is about the other mode, or when
 * every scenario of the target gave another consent than the one the claim is about. A claim whose
 * scope is unknown (a record without its consent) is applicable: the judge makes it inconclusive.
 */
export function notApplicableBecause(claim: ClaimBase & { rule: Rule }, view: RunView): string | undefined {
  const head = `Claim “${claim.says}” does not apply to ${view.target.id}`;
  if (claim.appliesTo && !appliesToTarget(claim.appliesTo, view.target)) {
    const words = claim.quote && claim.source ? ` (it quotes ${claim.source})` : '';
    return `${head}: it is about ${appliesToText(claim.appliesTo)}${words}, and ${view.target.id} is target ${view.target.base} with engine ${view.target.engine}.`;
  }
  if (claim.when.mode !== 'any' && view.target.mode !== claim.when.mode) {
    return `${head}: it is about ${claim.when.mode} mode only.`;
  }
  const { inScope, records, unknownConsent } = scopeOf(claim, view);
  if (inScope.length > 0 && records.length === 0 && unknownConsent.length === 0) {
    const given = [...new Set(inScope.map((r) => r.consent))].join(', ');
    return `${head}: it is about ${claim.when.consent} consent, and every scenario of ${view.target.id} gave consent ${given}.`;
  }
  return undefined;
}

/**
 * Whether a target is one `appliesTo` names: its base id matches a listed target (`*` matches any
 * run of characters) or its engine is a listed engine. An empty `appliesTo` names nothing.
 */
export function appliesToTarget(
  appliesTo: ClaimAppliesTo,
  target: Pick<TargetRecord, 'base' | 'engine'>,
): boolean {
  if ((appliesTo.engines ?? []).includes(target.engine)) return true;
  return (appliesTo.targets ?? []).some((pattern) => globMatch(pattern, target.base));
}

/** `appliesTo` in words: `targets chromium, reference and engine firefox`. */
export function appliesToText(appliesTo: ClaimAppliesTo): string {
  const parts: string[] = [];
  const targets = appliesTo.targets ?? [];
  const engines = appliesTo.engines ?? [];
  if (targets.length > 0) parts.push(`${targets.length === 1 ? 'target' : 'targets'} ${targets.join(', ')}`);
  if (engines.length > 0) parts.push(`${engines.length === 1 ? 'engine' : 'engines'} ${engines.join(', ')}`);
  return parts.join(' and ') || 'no target';
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Which records a claim is about: a claim about declined consent covers `declined` and `none` (a
 * target that asked nothing was given no consent); one about granted consent only `granted`. A
 * record without a consent value matches neither (the caller makes it inconclusive).
 */
function consentMatches(given: Consent | undefined, wanted: ClaimBase['when']['consent']): boolean {
  if (wanted === 'any') return true;
  if (wanted === 'granted') return given === 'granted';
  return given === 'declined' || given === 'none';
}
