import type { Flow } from '../model/flow.ts';
import type { ScenarioRecord } from '../model/run-record.ts';
import type { Evidence, Verdict } from '../model/verdict.ts';
import { notApplicableBecause, scopeOf } from './applicability.ts';
import { ruleText } from './explain.ts';
import { Judgement, type JudgeScope } from './judgement.ts';
import { type Rule, ruleKindOf } from './rules/registry.ts';
import type { RunView } from './run-view.ts';
import type { Claim } from './schema.ts';

/**
 * Judge one claim on one cell. Returns null when the claim does not apply to the cell (its
 * `appliesTo` names other targets, its `when.mode` is the other mode, or no scenario ran with the
 * consent it is about: `notApplicableBecause` says which). Fails closed: fail when a
 * finding breaks the rule; else error when the harness broke; else inconclusive when something
 * relevant could not be seen (an unreadable TLS connection or request to a recipient that matters,
 * bypass traffic, a scenario without a network seal unless the risk was accepted, a decode bound on a
 * flow that matters, an unfinished scenario or lost captures, no token of the claim's data planted, a
 * record that does not say what consent it gave); else pass. Never throws on well-formed input.
 */
export function evaluate(claim: Claim, view: RunView): Verdict | null {
  return evaluateWith(claim, view, {});
}

/** Options for assertions built on claims (the `toSend` matcher). */
export interface EvaluateOptions {
  /** Only findings of this exact token value count, and no planted-token check is made. */
  token?: string;
}

/** `evaluate`, narrowed to one token: what the matchers use. Same verdict rules. */
export function evaluateWith(claim: Claim, view: RunView, options: EvaluateOptions): Verdict | null {
  if (notApplicableBecause(claim, view) !== undefined) return null;
  const kind = ruleKindOf(claim.rule.kind);
  const { records, unknownConsent } = scopeOf(claim, view);

  const judged = new Judgement();
  if (records.length === 0 && unknownConsent.length === 0)
    judged.blind.add(`No scenario ran for ${view.target.id}.`);
  for (const r of unknownConsent) {
    judged.blind.add(
      `The scenario ${r.target.id} / ${r.scenario} does not record what consent it gave, so whether this claim about ${claim.when.consent} consent applies to it is unknown.`,
    );
  }
  const flows = flowsOf(records, view.flows);
  const flowsById = new Map(flows.map((f) => [f.id, f]));

  for (const r of records) {
    const where = `${r.target.id} / ${r.scenario}`;
    if (r.status === 'error')
      judged.broken.add(`The harness broke in ${where}${r.error ? `: ${r.error}` : ''}.`);
    if (r.status === 'interrupted') {
      judged.blind.add(`The scenario ${where} did not finish${r.error ? ` (${r.error})` : ''}.`);
    }
  }
  judgeSeal(claim.rule, records, view, judged);

  const scope: JudgeScope = {
    claim,
    target: view.target,
    records,
    flows,
    flowsById,
    onlyToken: options.token,
  };
  kind.judge(claim.rule, scope, judged);
  return verdictOf(judged, claim, view.target.id);
}

/**
 * Scenarios without a network seal: traffic around the proxy was not observed. For a rule that needs
 * to see all traffic that is a blind spot (inconclusive, never pass), unless the user accepted the
 * risk; then the verdict stands and says what it did not see, whatever the verdict is.
 */
function judgeSeal(rule: Rule, records: ScenarioRecord[], view: RunView, judged: Judgement): void {
  const unsealed = records.filter(
    (r) => view.sealed === false || !r.sealed || r.gaps.some((g) => g.kind === 'not-sealed'),
  );
  if (unsealed.length === 0) return;
  const names = unsealed.map((r) => `${r.target.id} / ${r.scenario}`);
  const which =
    names.length === 1
      ? `The scenario ${names[0]} ran`
      : `${names.length} scenarios (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}) ran`;
  const gap = unsealed.flatMap((r) => r.gaps).find((g) => g.kind === 'not-sealed');
  // The gap says why (`… because sealing was turned off (PHONEHOME_SEAL=off), so …`): keep the why.
  const because = gap?.reason.match(/\bbecause (.+?), so /)?.[1];
  const why = because ? ` because ${because}` : '';
  if (!ruleKindOf(rule.kind).needsAllTraffic) {
    judged.notes.add(
      `${which} without a network seal, so traffic that went around the proxy could not be observed.`,
    );
  } else if (view.acceptUnsealed) {
    const says = `Unsealed, accepted with --accept-unsealed: ${which.charAt(0).toLowerCase()}${which.slice(1)} without a network seal, so this verdict covers only traffic through the proxy; what went around it (DNS, QUIC, direct connections) was not seen.`;
    judged.caveats.add(says);
    judged.unsealed = { accepted: true, says };
  } else {
    const says = `Not sealed: ${which.charAt(0).toLowerCase()}${which.slice(1)} without a network seal${why}, so traffic that went around the proxy could not be seen and the claim cannot pass (run sealed, or pass --accept-unsealed to accept that risk).`;
    judged.blind.add(says);
    judged.unsealed = { accepted: false, says };
  }
}

function flowsOf(records: ScenarioRecord[], flows: Flow[]): Flow[] {
  const keys = new Set(records.map((r) => `${r.target.id}\u0000${r.scenario}`));
  return flows.filter((f) => keys.has(`${f.target}\u0000${f.scenario}`));
}

/**
 * The verdict a judgement comes to, by the fail-closed precedence: fail when a finding breaks the
 * rule, else error when the harness broke, else inconclusive when something relevant could not be
 * seen, else pass.
 */
function verdictOf(judged: Judgement, claim: Claim, target: string): Verdict {
  const verdict = decide(judged, claim, target);
  return judged.unsealed ? { ...verdict, unsealed: judged.unsealed } : verdict;
}

function decide(judged: Judgement, claim: Claim, target: string): Verdict {
  const head = `Claim “${claim.says}”`;
  const blindText = [...judged.blind];
  const caveats = [...judged.caveats];
  const notes = [...judged.notes, ...caveats];
  // The reason is its sentences in order; evidence only where a finding breaks the rule.
  const verdict = (status: Verdict['status'], sentences: string[], evidence: Evidence[] = []): Verdict => ({
    claim: claim.id,
    target,
    status,
    reason: sentences.join(' '),
    evidence,
  });
  if (judged.violations.length > 0) {
    const shown = judged.violations.slice(0, 5).map((v) => v.sentence);
    const more = judged.violations.length > 5 ? [`And ${judged.violations.length - 5} more like these.`] : [];
    return verdict(
      'fail',
      [`${head} fails on ${target}.`, ...shown, ...more, ...caveats],
      judged.violations.flatMap((v) => v.evidence),
    );
  }
  if (judged.broken.size > 0) {
    return verdict('error', [
      `${head} could not be checked on ${target} because the test itself broke.`,
      ...judged.broken,
      ...blindText,
      ...caveats,
    ]);
  }
  if (judged.blind.size > 0) {
    return verdict('inconclusive', [
      `${head} is inconclusive on ${target}: nothing seen breaks it, but not everything relevant could be seen.`,
      ...blindText,
      ...notes,
    ]);
  }
  return verdict(
    'pass',
    [`${head} holds on ${target}: ${ruleText(claim)}.`, judged.passSentence, ...notes].filter(Boolean),
  );
}
