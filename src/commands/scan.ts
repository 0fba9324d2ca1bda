import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CaptureFileError, readCaptureFile } from '../capture/capture-file.ts';
import { flowHost } from '../capture/flow.ts';
import type { Gap } from '../capture/gap.ts';
import { type CipherAlgorithm, cipherDecoder } from '../decode/cipher.ts';
import { defaultDecoders } from '../decode/registry.ts';
import { Analyzer } from '../detect/analyze.ts';
import { explainFinding } from '../detect/finding.ts';
import type { Token } from '../detect/token.ts';

export const USAGE =
  'usage: phonehome scan FILE... --canary TOKEN... --identifier KIND=VALUE... [--cipher ID:ALGORITHM:KEYHEX[:IVHEX|prefix]] [--json] [--help]';

/** Identifier kinds `--identifier` accepts, and whether each identifies the device or describes it. */
export const IDENTIFIER_KINDS: Record<string, 'device-id' | 'device-info'> = {
  imei: 'device-id',
  'android-id': 'device-id',
  serial: 'device-id',
  'advertising-id': 'device-id',
  mac: 'device-id',
  model: 'device-info',
  'os-version': 'device-info',
  'build-fingerprint': 'device-info',
};

const ALGORITHMS: CipherAlgorithm[] = [
  'aes-128-cbc',
  'aes-192-cbc',
  'aes-256-cbc',
  'aes-128-ecb',
  'aes-192-ecb',
  'aes-256-ecb',
  'aes-128-gcm',
  'aes-256-gcm',
];

/** One finding as `scan --json` prints it. */
export interface ScanFinding {
  file: string;
  /** 0-based index in the HAR's `log.entries` (or flow number in an NDJSON log). */
  entry: number;
  host: string;
  url: string;
  where: string;
  chain: string[];
  token: string;
  /** `canary`, or the identifier kind (`imei`, `mac`, ...). */
  kind: string;
}

export interface ScanOutput {
  findings: ScanFinding[];
  gaps: Array<Gap & { file: string; entry?: number }>;
}

class UsageError extends Error {}

function parse(argv: string[]) {
  let values: { canary?: string[]; identifier?: string[]; cipher?: string[]; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        canary: { type: 'string', multiple: true },
        identifier: { type: 'string', multiple: true },
        cipher: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return { help: true as const };
  const tokens: Token[] = [];
  for (const c of values.canary ?? []) {
    if (c === '') throw new UsageError('--canary needs a non-empty value');
    tokens.push({ value: c, kind: 'canary', dataClass: 'search-terms', label: 'canary' });
  }
  for (const id of values.identifier ?? []) {
    const eq = id.indexOf('=');
    const kind = eq < 0 ? '' : id.slice(0, eq);
    const value = eq < 0 ? '' : id.slice(eq + 1);
    const tk = IDENTIFIER_KINDS[kind];
    if (!tk || value === '') {
      throw new UsageError(
        `--identifier "${id}" is not KIND=VALUE with KIND one of ${Object.keys(IDENTIFIER_KINDS).join(', ')}`,
      );
    }
    tokens.push({
      value,
      kind: tk,
      dataClass: tk === 'device-id' ? 'device-ids' : 'device-info',
      label: kind,
    });
  }
  const registry = defaultDecoders();
  for (const c of values.cipher ?? []) {
    const [id, algorithm, keyHex, iv] = c.split(':');
    if (
      !id ||
      !ALGORITHMS.includes(algorithm as CipherAlgorithm) ||
      !keyHex ||
      !/^[0-9a-f]+$/i.test(keyHex)
    ) {
      throw new UsageError(
        `--cipher "${c}" is not ID:ALGORITHM:KEYHEX[:IVHEX|prefix] with ALGORITHM one of ${ALGORITHMS.join(', ')}`,
      );
    }
    registry.register(
      cipherDecoder({
        id,
        says: `the key given on the command line as --cipher ${id}`,
        algorithm: algorithm as CipherAlgorithm,
        key: Buffer.from(keyHex, 'hex'),
        ...(iv ? { iv: iv === 'prefix' ? ('prefix' as const) : Buffer.from(iv, 'hex') } : {}),
      }),
    );
  }
  if (positionals.length === 0) throw new UsageError('no capture FILE given');
  if (tokens.length === 0)
    throw new UsageError('nothing to look for: give at least one --canary or --identifier');
  return { help: false as const, files: positionals, tokens, registry, json: values.json === true };
}

function readable(
  out: ScanOutput,
  details: Map<ScanFinding, string>,
  flows: number,
  skipped: string[],
): string {
  const lines: string[] = [];
  for (const s of skipped) lines.push(`note: ${s}`);
  lines.push(`${out.findings.length} finding(s) in ${flows} flow(s); ${out.gaps.length} gap(s)`);
  for (const f of out.findings) {
    lines.push(`- ${f.file} entry ${f.entry}: ${details.get(f) ?? `${f.kind} "${f.token}" in ${f.where}`}`);
  }
  for (const g of out.gaps)
    lines.push(`! ${g.file}${g.entry !== undefined ? ` entry ${g.entry}` : ''}: ${g.kind}: ${g.reason}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `phonehome scan FILE... --canary TOKEN... --identifier KIND=VALUE... [--json]`: reads HAR or NDJSON
 * captures and reports where the tokens went. Returns the exit code: 0 when the scan ran (whatever
 * it found), 2 on bad arguments (usage line) or an unreadable file (`FILE: reason`). Never throws.
 */
export async function scanCommand(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(`phonehome scan: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(
      `${USAGE}\n\nScans HAR 1.2 files (Chrome DevTools, Playwright, HTTP Toolkit, mitmproxy) and phonehome NDJSON flow logs\nfor canaries and device identifiers, through every encoding layer phonehome can peel.\nIdentifier kinds: ${Object.keys(IDENTIFIER_KINDS).join(', ')}.\nExit status: 0 when the scan ran (whatever it found), 2 on bad arguments or an unreadable file.\n`,
    );
    return 0;
  }
  const analyzer = new Analyzer(args.tokens, {}, args.registry);
  const out: ScanOutput = { findings: [], gaps: [] };
  const details = new Map<ScanFinding, string>();
  let flows = 0;
  for (const file of args.files) {
    try {
      for await (const rec of readCaptureFile(file)) {
        if (rec.kind === 'gap') {
          out.gaps.push({ ...rec.gap, file });
          continue;
        }
        flows++;
        const r = analyzer.analyzeFlow(rec.flow);
        for (const f of r.findings) {
          const sf: ScanFinding = {
            file,
            entry: rec.entry,
            host: f.host || flowHost(rec.flow),
            url: f.url,
            where: f.where,
            chain: f.chain,
            token: f.token,
            kind: f.label,
          };
          out.findings.push(sf);
          details.set(sf, `${explainFinding(f)}\n    ${f.excerpt}`);
        }
        for (const g of r.gaps) out.gaps.push({ ...g, file, entry: rec.entry });
      }
    } catch (e) {
      const msg = e instanceof CaptureFileError ? e.message : `${file}: ${(e as Error).message}`;
      process.stderr.write(`${msg.split('\n')[0]}\n`);
      return 2;
    }
  }
  const skipped = analyzer.skipped.map(
    (s) => `${s.token.label} "${s.token.value}" not searched: ${s.reason}`,
  );
  if (args.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(readable(out, details, flows, skipped));
  return 0;
}

// Lets `npx tsx src/commands/scan.ts ...` run the command until the CLI dispatches to it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await scanCommand(process.argv.slice(2));
}
