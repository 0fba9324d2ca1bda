import { flowHost } from '../capture/flow.ts';
import { type AnalyzeBounds, Budget, DEFAULT_BOUNDS, workClock } from '../decode/bounds.ts';
import { DeadEnds } from '../decode/dead-ends.ts';
import type { DecoderRegistry } from '../decode/decoder.ts';
import { peel } from '../decode/peel.ts';
import { defaultDecoders } from '../decode/registry.ts';
import type { Finding } from '../model/finding.ts';
import type { Flow } from '../model/flow.ts';
import type { Gap } from '../model/gap.ts';
import type { Token } from '../model/token.ts';
import { type FormsResult, skippedTokens, tokenForms } from './forms.ts';
import { type Match, Matcher } from './matcher.ts';
import { requestParts } from './parts.ts';

export type { AnalyzeBounds } from '../decode/bounds.ts';
export { DEFAULT_BOUNDS } from '../decode/bounds.ts';

/** What analysing flows produced: findings, and decode-bound gaps for flows not fully examined. */
export interface AnalyzeResult {
  findings: Finding[];
  gaps: Gap[];
}

/** At most this many findings of one token in one flow (a body may repeat a token thousands of times). */
const MAX_FINDINGS_PER_TOKEN = 50;
const EXCERPT_SIDE = 40;

function excerpt(text: string, index: number, length: number): string {
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f\ufffd]/g, '·');
  const from = Math.max(0, index - EXCERPT_SIDE);
  const to = Math.min(text.length, index + length + EXCERPT_SIDE);
  const before = (from > 0 ? '…' : '') + clean(text.slice(from, index));
  const after = clean(text.slice(index + length, to)) + (to < text.length ? '…' : '');
  return `${before}«${clean(text.slice(index, index + length))}»${after}`;
}

/**
 * Which (layer, token) pairs a child layer also holds. Each token is reported at the deepest layer
 * that holds it: a parent's text also contains what a child peeled out of it, but the child's chain
 * says more. Children include layers reached another way first (aliases), so the graph may join.
 */
function coveredByChildren(hits: readonly LayerHit[], children: Map<number, number[]>): Set<string> {
  const own = new Map<number, Set<string>>();
  for (const h of hits) {
    const s = own.get(h.layer);
    if (s) s.add(h.match.form.token.value);
    else own.set(h.layer, new Set([h.match.form.token.value]));
  }
  if (own.size === 0) return new Set();
  // Tokens held in each layer's subtree, memoised; `inProgress` guards against decode cycles.
  const subtree = new Map<number, Set<string>>();
  const inProgress = new Set<number>();
  const below = (node: number): Set<string> => {
    const memo = subtree.get(node);
    if (memo) return memo;
    const acc = new Set<string>(own.get(node) ?? []);
    if (inProgress.has(node)) return acc;
    inProgress.add(node);
    for (const c of children.get(node) ?? []) for (const t of below(c)) acc.add(t);
    inProgress.delete(node);
    subtree.set(node, acc);
    return acc;
  };
  const covered = new Set<string>();
  for (const layer of own.keys()) {
    for (const c of children.get(layer) ?? []) for (const t of below(c)) covered.add(`${layer}\u0000${t}`);
  }
  return covered;
}

interface LayerHit {
  layer: number;
  chain: readonly string[];
  match: Match;
  excerpt: string;
}

/**
 * An analyzer compiles the token forms and decoders once and then analyses any number of flows;
 * use it when scanning many flows. `skipped` lists tokens too short to search.
 */
export class Analyzer {
  readonly bounds: AnalyzeBounds;
  readonly skipped: FormsResult['skipped'];
  private readonly tokens: readonly Token[];
  private built: Matcher | undefined;
  private readonly registry: DecoderRegistry;
  /** Strings earlier flows showed lead nowhere (see DeadEnds): shared by every flow analysed. */
  private readonly deadEnds = new DeadEnds();

  constructor(
    tokens: readonly Token[],
    bounds: Partial<AnalyzeBounds> = {},
    registry: DecoderRegistry = defaultDecoders(),
  ) {
    this.bounds = { ...DEFAULT_BOUNDS, ...bounds };
    this.skipped = skippedTokens(tokens);
    this.tokens = [...tokens];
    this.registry = registry;
  }

  /**
   * The matcher, built on first use: a pool's own analyzer, kept for fallback and for `skipped`,
   * often never analyses a flow, and the forms (hashes of every token) and the index over them
   * are not free (~0.13 s of CPU at 160 tokens).
   */
  private get matcher(): Matcher {
    if (this.built === undefined) this.built = new Matcher(tokenForms(this.tokens).forms);
    return this.built;
  }

  /**
   * Decodes every part of the flow recursively and finds tokens. Never throws; a flow that hits a
   * bound yields one `decode-bound` gap naming what was not examined.
   */
  analyzeFlow(flow: Flow): AnalyzeResult {
    // CPU time where it can be had: under load a wall-time bound made the same flow a gap in one run
    // and not in the next (a verdict flip).
    const budget = new Budget(this.bounds, workClock());
    const decoders = this.registry.all();
    const findings: Finding[] = [];
    const perToken = new Map<string, number>();
    const host = flowHost(flow);
    const boundParts: string[] = [];
    const matcher = this.matcher;
    for (const part of requestParts(flow)) {
      const hits: LayerHit[] = [];
      const urlAliases: Array<{ parent: number; index: number; chain: readonly string[] }> = [];
      let virtualCount = 0;
      const depths: number[] = [];
      // Edges as [parent, child] pairs; the graph is only built when a token was seen, which is
      // seldom (most parts hold none).
      const edges: number[] = [];
      const before = budget.hits.length;
      const whole = part.peel !== false;
      peel(
        part.root,
        whole ? decoders : [],
        budget,
        {
          layer: (layer, index, parent) => {
            if (parent >= 0) edges.push(parent, index);
            depths[index] = layer.depth;
            const text = layer.text;
            for (const m of matcher.match(text)) {
              hits.push({
                layer: index,
                chain: layer.chain,
                match: m,
                excerpt: excerpt(text, m.index, m.seen.length),
              });
            }
            return matcher.occurred;
          },
          clean: (layer, index, parent) => {
            edges.push(parent, index);
            depths[index] = layer.depth;
          },
          alias: (parent, index, chain) => {
            edges.push(parent, index);
            // A URL's part that equals a value seen elsewhere (the search term in a field of its own
            // and again in the page URL) is still a place the token went: reported with its own chain.
            if (chain[depths[parent] ?? 0] === 'url') urlAliases.push({ parent, index, chain });
          },
          // What leads nowhere with every decoder says nothing of a part searched without them.
        },
        whole ? this.deadEnds : undefined,
      );
      for (const a of urlAliases) {
        const own = hits.filter((h) => h.layer === a.index);
        if (own.length === 0) continue;
        const virtual = -1 - virtualCount++;
        edges.push(a.parent, virtual);
        for (const h of own) hits.push({ ...h, layer: virtual, chain: a.chain });
      }
      if (budget.hits.length > before) boundParts.push(part.where);
      if (hits.length === 0) continue;
      const children = new Map<number, number[]>();
      for (let i = 0; i < edges.length; i += 2) {
        const list = children.get(edges[i]!);
        if (list) list.push(edges[i + 1]!);
        else children.set(edges[i]!, [edges[i + 1]!]);
      }
      const covered = coveredByChildren(hits, children);
      const seen = new Set<string>();
      for (const h of hits) {
        const token = h.match.form.token;
        if (covered.has(`${h.layer}\u0000${token.value}`)) continue;
        const form = h.match.form.form ?? (h.match.seen !== token.value ? 'case-folded' : undefined);
        const key = `${h.chain.join('\u0001')}\u0000${token.value}\u0000${form ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const n = perToken.get(token.value) ?? 0;
        if (n >= MAX_FINDINGS_PER_TOKEN) continue;
        perToken.set(token.value, n + 1);
        findings.push({
          token: token.value,
          tokenKind: token.kind,
          dataClass: token.dataClass,
          label: token.label,
          ...(form ? { form } : {}),
          flowId: flow.id,
          seq: flow.seq,
          target: flow.target,
          scenario: flow.scenario,
          mode: flow.mode,
          host,
          url: flow.request.url,
          method: flow.request.method,
          transport: flow.transport,
          where: part.where,
          chain: [...h.chain],
          excerpt: h.excerpt,
        });
      }
    }
    const gaps: Gap[] = [];
    if (budget.hits.length > 0) {
      gaps.push({
        kind: 'decode-bound',
        flowId: flow.id,
        host,
        target: flow.target,
        scenario: flow.scenario,
        mode: flow.mode,
        reason: `${budget.hits.join('; ')} (in ${boundParts.join(', ')})`,
      });
    }
    return { findings, gaps };
  }

  /** Analyses flows in order and concatenates their findings and gaps. */
  analyzeFlows(flows: readonly Flow[]): AnalyzeResult {
    const findings: Finding[] = [];
    const gaps: Gap[] = [];
    for (const flow of flows) {
      const r = this.analyzeFlow(flow);
      findings.push(...r.findings);
      gaps.push(...r.gaps);
    }
    return { findings, gaps };
  }
}

/** Decode every part of the flow (url path, query params, headers, cookies, body) recursively and find tokens. */
export function analyzeFlow(flow: Flow, tokens: Token[], bounds?: Partial<AnalyzeBounds>): AnalyzeResult {
  return new Analyzer(tokens, bounds).analyzeFlow(flow);
}

/** analyzeFlow over many flows, compiling the tokens once. */
export function analyzeFlows(flows: Flow[], tokens: Token[], bounds?: Partial<AnalyzeBounds>): AnalyzeResult {
  return new Analyzer(tokens, bounds).analyzeFlows(flows);
}
