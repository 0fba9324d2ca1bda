import { isIP } from 'node:net';
import { flowHost } from '../capture/flow.ts';
import { explainGap } from '../capture/gap.ts';
import { explainFinding } from '../detect/finding.ts';
import { explainDeviceFinding } from '../device/device-finding.ts';
import type { Finding } from '../model/finding.ts';
import type { Flow } from '../model/flow.ts';
import type { Gap } from '../model/gap.ts';
import type { Consent, ScenarioRecord, TargetRecord } from '../model/run-record.ts';
import type { Evidence, Verdict } from '../model/verdict.ts';
import { DATA_NAMES, dataText, ruleText } from './explain.ts';
import { linkableValues } from './linkable-values.ts';
import {
  classify,
  isFirstParty,
  matchesAny,
  type RecipientDomains,
  recipientDomains,
  recipientsText,
  registrableDomain,
} from './recipients.ts';
import type { Claim, DataSelector, Recipient, Rule } from './schema.ts';

/** Everything one cell (claim × target with mode) is judged on. */
export interface EvaluationContext {
  /** The cell's target (id includes the mode). */
  target: TargetRecord;
  /** All scenario records of the same base target, both modes, with findings, gaps, recipients and status. */
  records: ScenarioRecord[];
  /** All flows of those records. */
  flows: Flow[];
  /**
   * False: treat every scenario as unsealed, whatever its record says. Otherwise each record's own
   * `sealed` (and `not-sealed` gaps) decide, so one unsealed record (an Android run) changes only the
   * cells of its own target.
   */
  sealed?: boolean;
  /**
   * The user accepts the risk of unsealed scenarios (`--accept-unsealed`): claims that need to see all
   * traffic get a verdict on them anyway, and its reason says that traffic around the proxy was not seen.
   */
  acceptUnsealed?: boolean;
}

/**
 * Rules that need to see all traffic: a request that went around the proxy (DNS, QUIC, a direct
 * connection) could break each of them, so none can pass on a scenario whose bypass traffic could
 * not be observed (no sealed network namespace). Plain-text traffic around the proxy breaks
 * encrypted-in-transit as surely as a recipient breaks the others, so it is one of them too.
 */
const NEEDS_ALL_TRAFFIC: ReadonlySet<Rule['kind']> = new Set<Rule['kind']>([
  'may-go-to',
  'must-not-go-to',
  'declared-recipients-only',
  'unlinkable-modes',
  'encrypted-in-transit',
]);

/**
 * Judge one claim on one cell. Returns null when the claim does not apply to the cell (its `when.mode`
 * is the other mode, or no scenario ran with the consent it is about). Fails closed: fail when a
 * finding breaks the rule; else error when the harness broke; else inconclusive when something
 * relevant could not be seen (an unreadable TLS connection or request to a recipient that matters,
 * bypass traffic, a scenario without a network seal unless the risk was accepted, a decode bound on a
 * flow that matters, an unfinished scenario or lost captures, no token of the claim's data planted, a
 * record that does not say what consent it gave); else pass. Never throws on well-formed input.
 */
export function evaluate(claim: Claim, ctx: EvaluationContext): Verdict | null {
  return evaluateWith(claim, ctx, {});
}

/** Options for assertions built on claims (the `toSend` matcher). */
export interface EvaluateOptions {
  /** Only findings of this exact token value count, and no planted-token check is made. */
  token?: string;
}

/** `evaluate`, narrowed to one token: what the matchers use. Same verdict rules. */
export function evaluateWith(claim: Claim, ctx: EvaluationContext, options: EvaluateOptions): Verdict | null {
  if (claim.when.mode !== 'any' && ctx.target.mode !== claim.when.mode) return null;
  // unlinkable-modes compares the two modes, so it reads both; every other rule reads the cell's mode.
  const inScope = ctx.records.filter(
    (r) =>
      r.target.base === ctx.target.base &&
      (claim.rule.kind === 'unlinkable-modes' || r.target.id === ctx.target.id),
  );
  const records = inScope.filter((r) => consentMatches(r.consent, claim.when.consent));
  // A record that does not say what consent it gave (written before consent was recorded) may or may
  // not be one the claim is about: it can neither pass nor fail the claim.
  const unknownConsent =
    claim.when.consent === 'any'
      ? []
      : inScope.filter((r) => (r.consent as Consent | undefined) === undefined);
  if (inScope.length > 0 && records.length === 0 && unknownConsent.length === 0) return null;

  const judged = new Judgement();
  if (records.length === 0 && unknownConsent.length === 0)
    judged.blind.add(`No scenario ran for ${ctx.target.id}.`);
  for (const r of unknownConsent) {
    judged.blind.add(
      `The scenario ${r.target.id} / ${r.scenario} does not record what consent it gave, so whether this claim about ${claim.when.consent} consent applies to it is unknown.`,
    );
  }
  const flows = flowsOf(records, ctx.flows);
  const flowsById = new Map(flows.map((f) => [f.id, f]));

  for (const r of records) {
    const where = `${r.target.id} / ${r.scenario}`;
    if (r.status === 'error')
      judged.broken.add(`The harness broke in ${where}${r.error ? `: ${r.error}` : ''}.`);
    if (r.status === 'interrupted') {
      judged.blind.add(`The scenario ${where} did not finish${r.error ? ` (${r.error})` : ''}.`);
    }
  }
  judgeSeal(claim.rule, records, ctx, judged);

  const rule = claim.rule;
  switch (rule.kind) {
    case 'may-go-to':
    case 'must-not-go-to':
    case 'encrypted-in-transit':
      judgeTokens(claim, rule, records, flowsById, judged, options.token);
      break;
    case 'unlinkable-modes':
      judgeUnlinkable(rule, ctx.target, records, flows, flowsById, judged);
      break;
    case 'declared-recipients-only':
      judgeDeclared(rule.recipients, records, flows, flowsById, judged);
      break;
    case 'not-on-device':
      judgeDevice(claim, records, judged, options.token);
      break;
  }
  return judged.verdict(claim, ctx.target.id);
}

/**
 * Scenarios without a network seal: traffic around the proxy was not observed. For a rule that needs
 * to see all traffic that is a blind spot (inconclusive, never pass), unless the user accepted the
 * risk; then the verdict stands and says what it did not see, whatever the verdict is.
 */
function judgeSeal(rule: Rule, records: ScenarioRecord[], ctx: EvaluationContext, judged: Judgement): void {
  const unsealed = records.filter(
    (r) => ctx.sealed === false || !r.sealed || r.gaps.some((g) => g.kind === 'not-sealed'),
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
  if (!NEEDS_ALL_TRAFFIC.has(rule.kind)) {
    judged.notes.add(
      `${which} without a network seal, so traffic that went around the proxy could not be observed.`,
    );
  } else if (ctx.acceptUnsealed) {
    const says = `Unsealed, accepted with --accept-unsealed: ${which.charAt(0).toLowerCase()}${which.slice(1)} without a network seal, so this verdict covers only traffic through the proxy; what went around it (DNS, QUIC, direct connections) was not seen.`;
    judged.caveats.add(says);
    judged.unsealed = { accepted: true, says };
  } else {
    const says = `Not sealed: ${which.charAt(0).toLowerCase()}${which.slice(1)} without a network seal${why}, so traffic that went around the proxy could not be seen and the claim cannot pass (run sealed, or pass --accept-unsealed to accept that risk).`;
    judged.blind.add(says);
    judged.unsealed = { accepted: false, says };
  }
}

/**
 * Which records a claim is about: a claim about declined consent covers `declined` and `none` (a
 * target that asked nothing was given no consent); one about granted consent only `granted`. A
 * record without a consent value matches neither (the caller makes it inconclusive).
 */
function consentMatches(given: Consent | undefined, wanted: Claim['when']['consent']): boolean {
  if (wanted === 'any') return true;
  if (wanted === 'granted') return given === 'granted';
  return given === 'declined' || given === 'none';
}

function flowsOf(records: ScenarioRecord[], flows: Flow[]): Flow[] {
  const keys = new Set(records.map((r) => `${r.target.id}\u0000${r.scenario}`));
  return flows.filter((f) => keys.has(`${f.target}\u0000${f.scenario}`));
}

/** What the rule found, sorted by how it decides the verdict. */
class Judgement {
  violations: { sentence: string; evidence: Evidence[] }[] = [];
  broken = new Set<string>();
  blind = new Set<string>();
  notes = new Set<string>();
  /** Said in every verdict, fail included: what the user accepted not to see. */
  caveats = new Set<string>();
  unsealed: Verdict['unsealed'];
  passed = '';

  verdict(claim: Claim, target: string): Verdict {
    const verdict = this.decide(claim, target);
    return this.unsealed ? { ...verdict, unsealed: this.unsealed } : verdict;
  }

  private decide(claim: Claim, target: string): Verdict {
    const head = `Claim “${claim.says}”`;
    const blindText = [...this.blind];
    const caveats = [...this.caveats];
    const notes = [...this.notes, ...caveats];
    if (this.violations.length > 0) {
      const shown = this.violations.slice(0, 5).map((v) => v.sentence);
      const more = this.violations.length > 5 ? [`And ${this.violations.length - 5} more like these.`] : [];
      return {
        claim: claim.id,
        target,
        status: 'fail',
        reason: [`${head} fails on ${target}.`, ...shown, ...more, ...caveats].join(' '),
        evidence: this.violations.flatMap((v) => v.evidence),
      };
    }
    if (this.broken.size > 0) {
      return {
        claim: claim.id,
        target,
        status: 'error',
        reason: [
          `${head} could not be checked on ${target} because the test itself broke.`,
          ...this.broken,
          ...blindText,
          ...caveats,
        ].join(' '),
        evidence: [],
      };
    }
    if (this.blind.size > 0) {
      return {
        claim: claim.id,
        target,
        status: 'inconclusive',
        reason: [
          `${head} is inconclusive on ${target}: nothing seen breaks it, but not everything relevant could be seen.`,
          ...blindText,
          ...notes,
        ].join(' '),
        evidence: [],
      };
    }
    return {
      claim: claim.id,
      target,
      status: 'pass',
      reason: [`${head} holds on ${target}: ${ruleText(claim)}.`, this.passed, ...notes]
        .filter(Boolean)
        .join(' '),
      evidence: [],
    };
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function selects(selector: DataSelector, f: Pick<Finding, 'dataClass' | 'tokenKind'>): boolean {
  return selector === 'any-canary' ? f.tokenKind === 'canary' : f.dataClass === selector;
}

function classText(host: string, domains: RecipientDomains): string {
  const names: Record<string, string> = {
    'search-engine': 'the search engine',
    site: 'a visited site',
    vendor: "the target's maker",
    'third-party': 'a third party',
  };
  return classify(host, domains)
    .map((c) => names[c])
    .join(' and ');
}

function findingEvidence(f: Finding, says: string): Evidence {
  return {
    flow: f.flowId,
    host: f.host,
    url: f.url,
    where: f.where,
    chain: f.chain,
    token: f.token,
    label: f.label,
    dataClass: f.dataClass,
    excerpt: f.excerpt,
    method: f.method,
    says,
  };
}

/**
 * Which gaps hide something this rule cares about. `hostMatters` says whether traffic to a host could
 * break the rule; `flowMatters` whether a flow's unread part could. Interrupted scenarios are counted
 * from the records' status; `not-sealed` is a note, not a blind spot (it is true of every run without
 * a network namespace, and the reason says so).
 */
function blindGaps(
  records: ScenarioRecord[],
  flowsById: Map<string, Flow>,
  matters: {
    host(host: string, domains: RecipientDomains, gap: Gap): boolean;
    flow(flow: Flow, domains: RecipientDomains): boolean;
  },
  judged: Judgement,
): void {
  for (const r of records) {
    const domains = recipientDomains(r.recipients);
    for (const gap of r.gaps) {
      let relevant: boolean;
      switch (gap.kind) {
        case 'interrupted':
        case 'capture-lost':
          // Flows that were captured but cannot be read back could have carried anything.
          relevant = true;
          break;
        case 'not-sealed':
        // A file left unread on the device hides nothing about what went over the network.
        case 'file-unread':
          relevant = false;
          break;
        case 'decode-bound': {
          const flow = gap.flowId ? flowsById.get(gap.flowId) : undefined;
          // A bound on a flow we cannot find could be any flow: it matters.
          relevant = flow ? matters.flow(flow, domains) : true;
          break;
        }
        case 'bypass':
          // A bypass read in full (a DNS query name without a token) hid nothing.
          relevant =
            !gap.observed &&
            (gap.host ? matters.host(gap.host, domains, gap) : matters.host('', domains, gap));
          break;
        case 'tls-opaque':
        case 'capture-error':
        case 'still-sending':
          relevant = gap.host ? matters.host(gap.host, domains, gap) : matters.host('', domains, gap);
          break;
      }
      if (relevant) judged.blind.add(`${capital(explainGap(gap)).replace(/\.?$/, '.')}`);
    }
  }
}

function judgeTokens(
  claim: Claim,
  rule: Extract<Rule, { kind: 'may-go-to' | 'must-not-go-to' | 'encrypted-in-transit' }>,
  records: ScenarioRecord[],
  flowsById: Map<string, Flow>,
  judged: Judgement,
  onlyToken: string | undefined,
): void {
  // Does a token reaching this host (over this transport) break the rule? A bare IP address could be
  // anyone's, so data sent there breaks the rule as far as anyone can tell.
  const breaks = (host: string, transport: Flow['transport'], domains: RecipientDomains): boolean => {
    if (rule.kind === 'may-go-to') return !host || !matchesAny(host, rule.recipients, domains);
    if (rule.kind === 'must-not-go-to')
      return !host || isIP(host) !== 0 || matchesAny(host, rule.recipients, domains);
    return transport === 'http' || transport === 'ws';
  };
  let seen = 0;
  for (const r of records) {
    const domains = recipientDomains(r.recipients);
    for (const f of r.findings) {
      if (onlyToken !== undefined ? f.token !== onlyToken : !claim.data.some((d) => selects(d, f))) continue;
      seen++;
      if (!breaks(f.host, f.transport, domains)) continue;
      const why =
        rule.kind === 'encrypted-in-transit'
          ? `it travelled over plain ${f.transport}`
          : rule.kind === 'may-go-to'
            ? rule.recipients.length === 0
              ? `${f.host} is ${classText(f.host, domains)}, and this data may go to no one`
              : `${f.host} is ${classText(f.host, domains)}, not ${recipientsText(rule.recipients)}`
            : `${f.host} is ${classText(f.host, domains)}`;
      judged.violations.push({
        sentence: `${capital(explainFinding(f))}; ${why}.`,
        evidence: [findingEvidence(f, `${why}.`)],
      });
    }
  }

  blindGaps(
    records,
    flowsById,
    {
      // A TLS connection nobody could open is still encrypted; for the other rules it matters unless
      // the host is one the data may go to anyway.
      host: (host, domains, gap) =>
        rule.kind === 'encrypted-in-transit' ? gap.kind !== 'tls-opaque' : breaks(host, 'https', domains),
      flow: (flow, domains) => breaks(flowHost(flow), flow.transport, domains),
    },
    judged,
  );

  // Nothing to find if nothing was planted: a claim about data the run never had cannot pass.
  const tokens = records.flatMap((r) => r.tokens);
  for (const d of claim.data) {
    const planted = tokens.some((t) => selects(d, { dataClass: t.dataClass, tokenKind: t.kind }));
    if (!planted && records.length > 0 && onlyToken === undefined) {
      judged.blind.add(`No scenario planted or knew any ${DATA_NAMES[d]}, so none could be looked for.`);
    }
  }
  judged.passed =
    seen === 0
      ? `None of the ${dataText(claim.data)} was found in ${flowsById.size} requests.`
      : `${seen} finding${seen === 1 ? '' : 's'} of ${dataText(claim.data)} in ${flowsById.size} requests, none breaking the rule.`;
}

function judgeUnlinkable(
  rule: Extract<Rule, { kind: 'unlinkable-modes' }>,
  target: TargetRecord,
  records: ScenarioRecord[],
  flows: Flow[],
  flowsById: Map<string, Flow>,
  judged: Judgement,
): void {
  for (const mode of ['normal', 'incognito'] as const) {
    if (!records.some((r) => r.target.mode === mode)) {
      judged.blind.add(`No ${mode}-mode scenario of ${target.base} ran, so there was nothing to compare.`);
    }
  }
  const excluded = new Set<string>();
  for (const r of records) {
    for (const t of r.tokens) if (t.kind === 'canary') excluded.add(t.value);
    for (const c of r.fixtureConstants ?? []) excluded.add(c);
  }
  const ignore = rule.ignore.map((p) => new RegExp(p));
  // By whole value: a constant inside an identifier (or an identifier inside a constant) does not
  // make the identifier the same for every user.
  const isExcluded = (v: string) => excluded.has(v) || ignore.some((re) => re.test(v));

  const recordOf = new Map(records.map((r) => [`${r.target.id}\u0000${r.scenario}`, r]));
  type Seen = { flow: Flow; where: string; chain: string[] };
  const byKey = new Map<string, { domain: string; value: string; normal?: Seen; incognito?: Seen }>();
  for (const flow of flows) {
    const r = recordOf.get(`${flow.target}\u0000${flow.scenario}`);
    if (!r) continue;
    const host = flowHost(flow);
    if (isFirstParty(host, recipientDomains(r.recipients))) continue;
    const domain = registrableDomain(host);
    for (const v of linkableValues(flow, rule.minLength)) {
      if (isExcluded(v.value)) continue;
      const key = `${domain}\u0000${v.value}`;
      const entry = byKey.get(key) ?? { domain, value: v.value };
      entry[flow.mode] ??= { flow, where: v.where, chain: v.chain };
      byKey.set(key, entry);
    }
  }
  const placeText = (s: Seen) => (s.chain.length > 0 ? `${s.where} via ${s.chain.join(' → ')}` : s.where);
  const evidenceOf = (s: Seen, value: string, says: string): Evidence => ({
    flow: s.flow.id,
    host: flowHost(s.flow),
    url: s.flow.request.url,
    where: s.where,
    chain: s.chain,
    token: value,
    method: s.flow.request.method,
    says,
  });
  for (const e of byKey.values()) {
    if (!e.normal || !e.incognito) continue;
    const says = `the same value went to ${e.domain} in normal and in incognito browsing`;
    judged.violations.push({
      sentence: `The value "${e.value}" was sent to ${e.domain} in normal mode (flow ${e.normal.flow.id}, ${placeText(e.normal)}) and in incognito mode (flow ${e.incognito.flow.id}, ${placeText(e.incognito)}), so the incognito session can be tied to normal browsing.`,
      evidence: [
        evidenceOf(e.normal, e.value, `${says} (normal).`),
        evidenceOf(e.incognito, e.value, `${says} (incognito).`),
      ],
    });
  }

  blindGaps(
    records,
    flowsById,
    {
      host: (host, domains) => !host || !isFirstParty(host, domains),
      flow: (flow, domains) => !isFirstParty(flowHost(flow), domains),
    },
    judged,
  );
  judged.passed = `No value was sent to the same party in both modes, across ${flows.length} requests.`;
}

function judgeDeclared(
  declared: Recipient[],
  records: ScenarioRecord[],
  flows: Flow[],
  flowsById: Map<string, Flow>,
  judged: Judgement,
): void {
  const recordOf = new Map(records.map((r) => [`${r.target.id}\u0000${r.scenario}`, r]));
  const byHost = new Map<string, { first: Flow; count: number; domains: RecipientDomains }>();
  for (const flow of flows) {
    const r = recordOf.get(`${flow.target}\u0000${flow.scenario}`);
    if (!r) continue;
    const domains = recipientDomains(r.recipients);
    const host = flowHost(flow);
    if (host && matchesAny(host, declared, domains)) continue;
    const entry = byHost.get(host) ?? { first: flow, count: 0, domains };
    entry.count++;
    byHost.set(host, entry);
  }
  for (const [host, e] of byHost) {
    const says = `${host} is ${classText(host, e.domains)}, not ${recipientsText(declared)}`;
    judged.violations.push({
      sentence: `${e.count} request${e.count === 1 ? '' : 's'} went to ${host}, which is ${classText(host, e.domains)}, not ${recipientsText(declared)} (first: flow ${e.first.id}, ${e.first.request.method} ${e.first.request.url.slice(0, 120)}).`,
      evidence: [
        {
          flow: e.first.id,
          host,
          url: e.first.request.url,
          where: 'host',
          chain: [],
          token: host,
          method: e.first.request.method,
          says: `${says}.`,
        },
      ],
    });
  }
  blindGaps(
    records,
    flowsById,
    {
      host: (host, domains) => !host || !matchesAny(host, declared, domains),
      // The host of a flow that was read is known; a decode bound hides nothing this rule needs.
      flow: () => false,
    },
    judged,
  );
  judged.passed = `All ${flows.length} requests went to declared recipients.`;
}

/**
 * The device side: the claim's data must be in no file the browser wrote. Only scenarios that
 * planted the claim's data count (an idle scenario has nothing to leave behind). Fails on any
 * finding; a scenario whose files were not scanned, or a file that could not be read, leaves the
 * claim inconclusive; so does a run in which no scenario planted the data.
 */
function judgeDevice(
  claim: Claim,
  records: ScenarioRecord[],
  judged: Judgement,
  onlyToken: string | undefined,
): void {
  const wanted = (t: Pick<Finding, 'dataClass' | 'tokenKind'> & { token: string }) =>
    onlyToken !== undefined ? t.token === onlyToken : claim.data.some((d) => selects(d, t));
  let files = 0;
  let scanned = 0;
  for (const r of records) {
    const planted = r.tokens.some((t) =>
      wanted({ dataClass: t.dataClass, tokenKind: t.kind, token: t.value }),
    );
    if (!planted) continue;
    const where = `${r.target.id} / ${r.scenario}`;
    if (!r.device) {
      judged.blind.add(`The files the browser wrote in ${where} were not scanned.`);
      continue;
    }
    if (r.device.notScanned) {
      judged.blind.add(`The files the browser wrote in ${where} were not scanned: ${r.device.notScanned}.`);
      continue;
    }
    scanned++;
    files += r.device.summary?.files ?? 0;
    for (const f of r.device.findings) {
      if (!wanted(f)) continue;
      const says = `it is still in ${f.where.slice('file:'.length)} after the browser closed.`;
      judged.violations.push({
        sentence: `${capital(explainDeviceFinding(f))}, after the browser closed (${where}).`,
        evidence: [
          {
            flow: where,
            host: 'this device',
            url: f.where,
            where: f.where,
            chain: f.chain,
            token: f.token,
            label: f.label,
            dataClass: f.dataClass,
            excerpt: f.excerpt,
            says,
          },
        ],
      });
    }
    for (const gap of r.gaps) {
      if (gap.kind === 'file-unread') judged.blind.add(`${capital(explainGap(gap)).replace(/\.?$/, '.')}`);
    }
  }
  if (scanned === 0 && judged.blind.size === 0 && onlyToken === undefined) {
    judged.blind.add(
      `No scenario planted any ${dataText(claim.data)}, so nothing could be looked for on the device.`,
    );
  }
  judged.passed = `None of the ${dataText(claim.data)} was found in the ${files} files the browser wrote in ${scanned} scenario${scanned === 1 ? '' : 's'}.`;
}
