/**
 * The least CPU any scanner of the bench's file must spend, measured in this process: read each
 * NDJSON line, decompress what is compressed (base64 bodies and form fields, gzip, lz-string) and
 * search the URL, each header and each body once, as written and as decompressed, for every form
 * of every token. No JSON, URL, form or cookie
 * structure, no chain, no probe for an encoding a request does not announce (base64 inside a JSON
 * string, a hash, raw deflate...): a reader that knows the format of each request in advance,
 * finds a token somewhere in it and cannot say where. Whatever `phonehome scan` does beyond this
 * is what its findings' `where` and `chain`, and the encodings no header announces, cost.
 */
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { parseScanArgs } from '../src/commands/scan.ts';
import { lzFromBase64 } from '../src/decode/lz-bounded.ts';
import { tokenForms } from '../src/detect/forms.ts';
import { Matcher } from '../src/detect/matcher.ts';

interface FloorRun {
  /** CPU seconds (user + system) of this process over the whole file. */
  cpuS: number;
  hits: number;
}

/** CPU time of one pass over `file`: decompressing only, or decompressing and matching. */
function pass(lines: readonly string[], matcher: Matcher | undefined): FloorRun {
  const match = (text: string) => (matcher ? matcher.match(text).length : 0);
  const t0 = process.cpuUsage();
  let hits = 0;
  for (const line of lines) {
    const flow = JSON.parse(line) as {
      request: { url: string; headers: Array<{ value: string }>; bodyBase64?: string };
    };
    // The URL and each header value as they are; the body as its bytes read as text.
    hits += match(flow.request.url);
    for (const h of flow.request.headers) hits += match(h.value);
    const body = Buffer.from(flow.request.bodyBase64 ?? '', 'base64');
    let text =
      body[0] === 0x1f && body[1] === 0x8b ? zlib.gunzipSync(body).toString('utf8') : body.toString('utf8');
    hits += match(text);
    if (text.startsWith('data=') || text.startsWith('data_list=')) {
      const form = new URLSearchParams(text);
      const data = form.get('data') ?? form.get('data_list') ?? '';
      if (form.get('compression') === 'lz64') text = lzFromBase64(data, 1 << 26) ?? '';
      else {
        const bytes = Buffer.from(data, 'base64');
        text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
      }
      hits += match(text);
    }
  }
  const c = process.cpuUsage(t0);
  return { cpuS: (c.user + c.system) / 1e6, hits };
}

/**
 * The floor at the given scan arguments (`--canary …`, as the bench passes them): the least CPU
 * of `rounds` passes each way (the first pays for the JIT's warm-up).
 */
export function scanFloor(
  file: string,
  tokenArgs: string[],
  rounds = 3,
): { decompressS: number; withMatchS: number; hits: number } {
  const args = parseScanArgs([file, ...tokenArgs]);
  if (args.help) throw new Error('unexpected --help');
  const matcher = new Matcher(tokenForms(args.setup.tokens).forms);
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  let decompressS = Number.POSITIVE_INFINITY;
  let withMatchS = Number.POSITIVE_INFINITY;
  let hits = 0;
  for (let i = 0; i < rounds; i++) {
    decompressS = Math.min(decompressS, pass(lines, undefined).cpuS);
    const m = pass(lines, matcher);
    withMatchS = Math.min(withMatchS, m.cpuS);
    hits = m.hits;
  }
  return { decompressS, withMatchS, hits };
}
