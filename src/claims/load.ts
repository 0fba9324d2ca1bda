import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMap, isNode, isScalar, type LineCounter } from 'yaml';
import { FileInputError, parseYamlSource, type YamlSource } from '../input/file-error.ts';
import { RULE_KINDS } from './rules/registry.ts';
import { type Claim, ClaimError, formatPath, parseClaims } from './schema.ts';

/**
 * A claim file that cannot be used. Its message is one line, `file:line: field: reason`, e.g.
 * `claims.yaml:7: claims[1].mayGoTo[0]: unknown recipient "thrid-party"; use search-engine, …`.
 */
export class ClaimFileError extends FileInputError {
  constructor(file: string, line: number, field: string, reason: string) {
    super(file, reason, field, line);
    this.name = 'ClaimFileError';
  }
}

/**
 * Load claims from a `.yaml`/`.yml` file (a list of claims, at the top level or under `claims:`) or a
 * `.ts` module (default export or `claims` export: the result of `defineClaims`, or plain written claims).
 * Throws ClaimFileError (one line naming file:line, field and reason) for a missing, unparsable or invalid file.
 */
export async function loadClaims(file: string): Promise<Claim[]> {
  const ext = path.extname(file).toLowerCase();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ClaimFileError(
      file,
      0,
      'file',
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  if (ext === '.yaml' || ext === '.yml') return parseClaimYaml(text, file);
  if (ext === '.ts' || ext === '.mts' || ext === '.js' || ext === '.mjs') return loadClaimModule(file, text);
  throw new ClaimFileError(file, 1, 'file', `unknown claim file type "${ext}"; use .yaml, .yml or .ts`);
}

/** Parse the text of a YAML claim file; `file` names it in errors. Throws ClaimFileError. */
export function parseClaimYaml(text: string, file: string): Claim[] {
  let source: YamlSource;
  try {
    source = parseYamlSource(text, file);
  } catch (error) {
    const e = error as FileInputError;
    throw new ClaimFileError(file, e.line ?? 1, 'yaml', firstLine(e.reason));
  }
  const { doc, lineCounter } = source;
  const root: unknown = source.data;
  // Claims may sit at the top level or under `claims:`; the prefix makes YAML paths match the data's.
  let list: unknown[];
  let prefix: PropertyKey[];
  if (Array.isArray(root)) {
    list = root;
    prefix = [];
  } else if (root !== null && typeof root === 'object') {
    const extra = Object.keys(root).filter((k) => k !== 'claims');
    if (extra.length > 0) {
      const where = lineOf(doc, lineCounter, [extra[0]!]);
      throw new ClaimFileError(file, where, extra[0]!, 'unknown field; a claim file has only `claims:`');
    }
    const claims = (root as { claims?: unknown }).claims;
    if (!Array.isArray(claims)) {
      throw new ClaimFileError(
        file,
        lineOf(doc, lineCounter, ['claims']),
        'claims',
        'must be a list of claims',
      );
    }
    list = claims;
    prefix = ['claims'];
  } else {
    throw new ClaimFileError(
      file,
      1,
      'claims',
      'a claim file is a list of claims, at the top level or under `claims:`',
    );
  }
  const result = parseClaims(list);
  if (result.ok) return result.claims;
  const { path: issuePath, message } = result.issue;
  throw new ClaimFileError(
    file,
    lineOf(doc, lineCounter, [...prefix, ...issuePath]),
    formatPath(issuePath),
    message,
  );
}

type YamlDoc = YamlSource['doc'];

// The line of the deepest node on the path that exists: a missing field points at its claim.
function lineOf(doc: YamlDoc, lineCounter: LineCounter, issuePath: PropertyKey[]): number {
  for (let n = issuePath.length; n >= 0; n--) {
    const keys = issuePath.slice(0, n).map((k) => (typeof k === 'number' ? k : String(k)));
    const node = n === 0 ? doc.contents : doc.getIn(keys, true);
    // Point at a mapping entry's key when there is one, so `field: bad` names the field's own line.
    const keyNode = n > 0 && typeof keys[n - 1] === 'string' ? findKey(doc, keys) : undefined;
    const target = keyNode ?? node;
    if (isNode(target) && target.range) return lineCounter.linePos(target.range[0]).line;
  }
  return 1;
}

function findKey(doc: YamlDoc, keys: (string | number)[]): unknown {
  const parent = keys.length === 1 ? doc.contents : doc.getIn(keys.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const last = keys[keys.length - 1];
  return parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key;
}

async function loadClaimModule(file: string, text: string): Promise<Claim[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ClaimError) {
      throw new ClaimFileError(file, lineOfClaim(text, err.path), formatPath(err.path), err.reason);
    }
    throw new ClaimFileError(
      file,
      1,
      'module',
      `cannot be loaded: ${firstLine(String((err as Error).message ?? err))}`,
    );
  }
  const exported = mod.default ?? mod.claims;
  if (!Array.isArray(exported)) {
    throw new ClaimFileError(
      file,
      1,
      'default',
      'a claim module exports `default defineClaims([...])` (or `claims`)',
    );
  }
  // defineClaims already returned tagged claims; re-validate only written ones.
  if (exported.every(isTaggedClaim)) return exported as Claim[];
  const result = parseClaims(exported);
  if (result.ok) return result.claims;
  throw new ClaimFileError(
    file,
    lineOfClaim(text, result.issue.path),
    formatPath(result.issue.path),
    result.issue.message,
  );
}

function isTaggedClaim(c: unknown): boolean {
  if (c === null || typeof c !== 'object') return false;
  const rule = (c as { rule?: { kind?: unknown } }).rule;
  return typeof rule?.kind === 'string' && (RULE_KINDS as readonly string[]).includes(rule.kind);
}

// A TS module has no positions after import, so find the claim's `id:` in the source text, then the
// offending field's name after it: good enough to point a reader at the spot.
function lineOfClaim(text: string, issuePath: PropertyKey[]): number {
  const index = typeof issuePath[0] === 'number' ? issuePath[0] : 0;
  const lines = text.split('\n');
  const idLines = lines.flatMap((l, i) => (/\bid\s*:/.test(l) ? [i] : []));
  const start = idLines[index];
  if (start === undefined) return 1;
  const field = issuePath.find((p, i) => i > 0 && typeof p === 'string');
  if (typeof field === 'string') {
    const end = idLines[index + 1] ?? lines.length;
    for (let i = start; i < end; i++) if (new RegExp(`\\b${field}\\s*:`).test(lines[i]!)) return i + 1;
  }
  return start + 1;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
