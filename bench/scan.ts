/**
 * Benchmark of `phonehome scan` on traffic shaped like what real telemetry SDKs send: PostHog-like
 * gzip and lz-string batches with `$current_url`, Mixpanel- and Sensors-like base64 form fields,
 * Amplitude-like JSON, protobuf, cookies holding percent-encoded JSON with the landing URL, and a
 * Referer header on every request. Search phrases (spaces, accents, CJK, emoji, reserved
 * characters) ride in the page URLs of some requests. The script writes an NDJSON flow log of the
 * size asked, prints its mix, then runs the whole `phonehome scan --json` command on it, as a user
 * would, with 1, 16 and 160 tokens: MB/s, CPU time, peak RSS (GNU time), findings against what was
 * planted, and the ratio to `grep -c` over the same file. Every request is generated afresh (ids
 * and compressed bytes never recur), as in real traffic. Last, the floor (bench/scan-floor.ts): the
 * CPU of only decompressing the file's bodies and searching it once, the least any scanner spends.
 *
 *   npx tsx bench/scan.ts [SIZE_MB] [TOKEN_COUNTS]     e.g. npx tsx bench/scan.ts 50 1,16,160
 *   KEEP=1 npx tsx bench/scan.ts 50                    keep the generated file (path printed)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import LZString from 'lz-string';
import protobuf from 'protobufjs';
import type { Flow, Header } from '../src/model/flow.ts';
import { rng } from './rng.ts';
import { scanFloor } from './scan-floor.ts';

/** The phrases planted, as people type them. */
const PHRASES = ['new york pizza', 'café crème', '東京 天気', '🍕 near me', 'a&b+c/d%e'];
const PLANT_EVERY = 20;

const rand = rng(7);
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

/** Tokens, in the order they are taken: the phrases first, then canaries and identifiers. */
function tokenArgs(count: number): string[] {
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i < PHRASES.length) args.push('--canary', PHRASES[i]!);
    else if (i % 4 === 0) args.push('--identifier', `advertising-id=${uuidFrom(i)}`);
    else if (i % 4 === 1) args.push('--identifier', `android-id=${hexFrom(i, 16)}`);
    else if (i % 4 === 2) args.push('--typed-canary', `ph${hexFrom(i, 12).replace(/[01]/g, 'k')} crème`);
    else args.push('--canary', `ph${hexFrom(i, 12).replace(/[01]/g, 'z')}`);
  }
  return args;
}
const hexFrom = (i: number, n: number) => createHash('sha1').update(`tok${i}`).digest('hex').slice(0, n);
const uuidFrom = (i: number) => {
  const h = createHash('sha1').update(`uuid${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const SITES = ['https://shop.site-b.test', 'https://news.site-a.test', 'https://www.example-store.test'];

function pageUrl(i: number, phrase: string | undefined): string {
  const site = SITES[i % SITES.length]!;
  if (phrase === undefined)
    return `${site}/article/${hex(10)}?utm_source=newsletter&utm_medium=email&page=${i % 9}`;
  // Half as a form submit writes it ("+" for spaces), half as encodeURIComponent does.
  const q = i % 2 === 0 ? encodeURIComponent(phrase).replace(/%20/g, '+') : encodeURIComponent(phrase);
  return `${site}/search?q=${q}&sort=relevance`;
}

function sdkProperties(url: string, i: number): Record<string, unknown> {
  return {
    $current_url: url,
    $host: new URL(url).host,
    $pathname: new URL(url).pathname,
    $referrer: `${SITES[(i + 1) % SITES.length]}/`,
    $browser: 'Chrome',
    $browser_version: 131,
    $os: 'Linux',
    $screen_height: 1080,
    $screen_width: 1920,
    $lib: 'web',
    $lib_version: '1.200.0',
    $insert_id: hex(16),
    $time: 1714550000 + i / 1000,
    distinct_id: uuid(),
    $device_id: uuid(),
    $session_id: uuid(),
    $window_id: uuid(),
    token: 'phc_benchproject',
    $active_feature_flags: ['beta-search', 'new-nav'],
    $viewport_height: 900,
    $viewport_width: 1600,
  };
}

function batch(i: number, url: string, n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, k) => ({
    event: k === 0 ? '$pageview' : k % 3 === 0 ? '$autocapture' : 'click',
    properties: {
      ...sdkProperties(url, i + k),
      ...(k % 3 === 0
        ? {
            $elements: [
              { tag_name: 'button', $el_text: 'Add to cart', attr__class: 'btn btn-primary', nth_child: 2 },
              { tag_name: 'div', attr__class: 'product-card', nth_child: 5 },
            ],
          }
        : {}),
    },
    timestamp: new Date(1714550000000 + i * 100 + k).toISOString(),
    uuid: uuid(),
  }));
}

const KINDS = [
  'posthog-gzip',
  'posthog-lz64',
  'mixpanel-base64-form',
  'amplitude-json',
  'sensors-gzip-base64-form',
  'protobuf',
  'beacon-query',
] as const;
type Kind = (typeof KINDS)[number];

const PageView = new protobuf.Type('PageView')
  .add(new protobuf.Field('client_id', 1, 'string'))
  .add(new protobuf.Field('url', 2, 'string'))
  .add(new protobuf.Field('referrer', 3, 'string'))
  .add(new protobuf.Field('ts', 4, 'int64'))
  .add(new protobuf.Field('payload', 5, 'bytes'));

/** One request an SDK sends; every kind here is a POST. */
interface SdkRequest {
  url: string;
  method: string;
  body: Buffer;
  type: string;
}

/** A POST of `body` (text as UTF-8) to `url`, typed `type`. */
function post(url: string, type: string, body: Buffer | string): SdkRequest {
  return { url, method: 'POST', body: typeof body === 'string' ? Buffer.from(body) : body, type };
}

function request(i: number, kind: Kind, url: string): SdkRequest {
  if (kind === 'posthog-gzip') {
    const body = zlib.gzipSync(JSON.stringify(batch(i, url, 6)));
    return post(
      `https://us.i.posthog.test/e/?ip=1&_=${1714550000000 + i}&ver=1.200.0&compression=gzip-js`,
      'text/plain',
      body,
    );
  }
  if (kind === 'posthog-lz64') {
    const body = `data=${encodeURIComponent(LZString.compressToBase64(JSON.stringify(batch(i, url, 3))))}&compression=lz64`;
    return post('https://us.i.posthog.test/e/', 'application/x-www-form-urlencoded', body);
  }
  if (kind === 'mixpanel-base64-form') {
    const events = batch(i, url, 4).map((e) => ({ event: e.event, properties: e.properties }));
    const body = `data=${encodeURIComponent(Buffer.from(JSON.stringify(events)).toString('base64'))}`;
    return post(
      `https://api-js.mixpanel.test/track/?verbose=1&ip=1&_=${1714550000000 + i}`,
      'application/x-www-form-urlencoded',
      body,
    );
  }
  if (kind === 'amplitude-json') {
    const body = JSON.stringify({
      api_key: 'benchkey0123456789abcdef',
      events: Array.from({ length: 5 }, (_, k) => ({
        event_type: k === 0 ? '[Amplitude] Page Viewed' : 'click',
        device_id: uuid(),
        session_id: 1714550000000 + i,
        time: 1714550000000 + i * 100 + k,
        platform: 'Web',
        language: 'en-US',
        event_properties: {
          '[Amplitude] Page URL': url,
          '[Amplitude] Page Title': 'Results',
          '[Amplitude] Page Path': new URL(url).pathname,
        },
        insert_id: uuid(),
      })),
      options: {},
    });
    return post('https://api2.amplitude.test/2/httpapi', 'application/json', body);
  }
  if (kind === 'sensors-gzip-base64-form') {
    const data = batch(i, url, 4).map((e) => ({
      type: 'track',
      event: '$pageview',
      properties: {
        $url: url,
        $title: 'Results',
        $latest_referrer: '',
        ...(e.properties as Record<string, unknown>),
      },
    }));
    const body = `data_list=${encodeURIComponent(zlib.gzipSync(JSON.stringify(data)).toString('base64'))}&gzip=1`;
    return post('https://sa.sensors.test/sa?project=default', 'application/x-www-form-urlencoded', body);
  }
  if (kind === 'protobuf') {
    const body = Buffer.from(
      PageView.encode({
        client_id: uuid(),
        url,
        referrer: SITES[0],
        ts: 1714550000000 + i,
        payload: Buffer.from(hex(64), 'hex'),
      }).finish(),
    );
    return post('https://collect.protobuf.test/v1/pv', 'application/x-protobuf', body);
  }
  const q = new URLSearchParams({
    v: '2',
    tid: 'G-BENCH',
    cid: uuid(),
    dl: url,
    dt: 'Results',
    en: 'page_view',
    _p: hex(8),
  });
  return post(`https://region1.analytics.test/g/collect?${q}`, 'text/plain', Buffer.alloc(0));
}

interface Generated {
  flow: Flow;
  kind: Kind;
  planted: string | undefined;
  cookieJson: boolean;
}

function makeFlow(i: number): Generated {
  const kind = KINDS[i % KINDS.length]!;
  const planted = i % PLANT_EVERY === 0 ? PHRASES[(i / PLANT_EVERY) % PHRASES.length] : undefined;
  const url = pageUrl(i, planted);
  const r = request(i, kind, url);
  const headers: Header[] = [
    { name: 'content-type', value: r.type },
    {
      name: 'user-agent',
      value:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    },
    { name: 'referer', value: url },
    { name: 'accept-language', value: 'en-US,en;q=0.9' },
  ];
  // First-party SDK cookies on every other request: percent-encoded JSON holding the landing URL.
  const cookieJson = i % 2 === 0;
  if (cookieJson) {
    const state = encodeURIComponent(
      JSON.stringify({
        distinct_id: uuid(),
        $device_id: uuid(),
        $initial_current_url: url,
        $initial_referrer: '$direct',
        $sesid: [1714550000000 + i, uuid(), 1714550000000],
      }),
    );
    headers.push({
      name: 'cookie',
      value: `ph_phc_bench_posthog=${state}; _ga=GA1.1.${hex(10)}.1714550000; sessionid=${hex(32)}`,
    });
  }
  return {
    kind,
    planted,
    cookieJson,
    flow: {
      id: `bench/s#${i}`,
      seq: i,
      runId: 'bench',
      target: 'bench:normal',
      scenario: 's',
      mode: 'normal',
      startedAt: '2024-05-01T10:00:00.000Z',
      transport: 'https',
      request: {
        method: r.method,
        url: r.url,
        httpVersion: '1.1',
        headers,
        bodyBase64: r.body.toString('base64'),
        bodySize: r.body.length,
      },
      tls: { intercepted: true },
    },
  };
}

interface Mix {
  flows: number;
  planted: number;
  plantedBy: Map<string, number>;
  bytes: number;
  kinds: Map<Kind, number>;
  cookieJson: number;
  sizes: number[];
}

/** Writes flows until the file reaches `mb` MB. */
function generate(path: string, mb: number): Mix {
  const fd = openSync(path, 'w');
  const mix: Mix = {
    flows: 0,
    planted: 0,
    plantedBy: new Map(),
    bytes: 0,
    kinds: new Map(),
    cookieJson: 0,
    sizes: [],
  };
  // Every request is generated afresh, as real traffic is: its ids (event, device, session, insert
  // ids) and its compressed bytes never recur, so nothing a scan remembers from one request spares
  // it the work on the next. (A pool of 1,400 requests repeated, as before, let the dead-end memory
  // skip most strings and flattered the figures ~1.5–2×.)
  for (let i = 0; mix.bytes < mb * 1024 * 1024; i++) {
    const g = makeFlow(i);
    const line = `${JSON.stringify({ type: 'flow', ...g.flow })}\n`;
    writeSync(fd, line);
    mix.bytes += Buffer.byteLength(line);
    mix.flows++;
    if (g.planted) {
      mix.planted++;
      mix.plantedBy.set(g.planted, (mix.plantedBy.get(g.planted) ?? 0) + 1);
    }
    if (g.cookieJson) mix.cookieJson++;
    mix.kinds.set(g.kind, (mix.kinds.get(g.kind) ?? 0) + 1);
    mix.sizes.push(g.flow.request.bodySize + g.flow.request.url.length);
  }
  closeSync(fd);
  return mix;
}

function printMix(mix: Mix): void {
  const sorted = [...mix.sizes].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const pct = (n: number) => `${((100 * n) / mix.flows).toFixed(0)} %`;
  console.log(`file: ${(mix.bytes / 1024 / 1024).toFixed(1)} MB NDJSON, ${mix.flows} requests`);
  console.log(
    `request size (URL + body, bytes): min ${sorted[0]}, median ${at(0.5)}, p90 ${at(0.9)}, max ${sorted[sorted.length - 1]}`,
  );
  console.log('mix:');
  const label: Record<Kind, string> = {
    'posthog-gzip': 'gzip JSON batch with $current_url (PostHog gzip-js)',
    'posthog-lz64': 'lz-string base64 form field with $current_url (PostHog lz64)',
    'mixpanel-base64-form': 'base64 JSON form field with $current_url (Mixpanel)',
    'amplitude-json': 'nested JSON with page URL (Amplitude)',
    'sensors-gzip-base64-form': 'gzip+base64 form field with $url (Sensors data_list)',
    protobuf: 'protobuf with a URL string field',
    'beacon-query': 'page URL in a query parameter (GA-style dl=)',
  };
  for (const k of KINDS) console.log(`  ${pct(mix.kinds.get(k) ?? 0).padStart(5)}  ${label[k]}`);
  console.log(`  100 %  Referer header with the page URL`);
  console.log(
    `  ${pct(mix.cookieJson).padStart(5)}  cookie holding percent-encoded JSON with the landing URL`,
  );
  console.log(
    `  ${pct(mix.planted).padStart(5)}  requests whose page URL carries a search phrase (${PHRASES.map((p) => JSON.stringify(p)).join(', ')})`,
  );
}

const TIME = '/usr/bin/time';

/** Runs `phonehome scan FILE <tokens> --json` and returns wall time, CPU time, peak RSS and findings. */
function scan(file: string, tokens: string[], extra: string[] = []) {
  const bin = fileURLToPath(new URL('../bin/phonehome.js', import.meta.url));
  const args = [bin, 'scan', file, ...tokens, '--json', ...extra];
  const timed = existsSync(TIME);
  const t0 = performance.now();
  const r = timed
    ? spawnSync(TIME, ['-f', '%e %U %S %M', process.execPath, ...args], { maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, args, { maxBuffer: 1 << 30 });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(`phonehome scan exited ${r.status}: ${r.stderr.toString().slice(-500)}`);
  const out = JSON.parse(r.stdout.toString()) as {
    findings: Array<{ entry: number; token: string; where: string }>;
    gaps: unknown[];
  };
  const last = r.stderr.toString().trim().split('\n').pop() ?? '';
  const [, user, sys, rssKb] = timed ? last.split(' ').map(Number) : [0, Number.NaN, Number.NaN, Number.NaN];
  const phraseEntries = new Set(out.findings.filter((f) => PHRASES.includes(f.token)).map((f) => f.entry));
  return {
    s,
    cpuS: user! + sys!,
    rssMb: rssKb! / 1024,
    findings: out.findings.length,
    gaps: out.gaps.length,
    phraseEntries,
  };
}

const USAGE = `usage: npx tsx bench/scan.ts [SIZE_MB] [TOKEN_COUNTS]   (default 50 1,16,160)
Writes SIZE_MB of SDK-shaped NDJSON traffic, prints its mix, then runs the whole
\`phonehome scan FILE --json\` on it with each number of tokens: wall time, MB/s, CPU time,
peak RSS, planted vs found, ratio to grep -c; then the floor (bench/scan-floor.ts): the CPU
of only decompressing and searching the file once. KEEP=1 keeps the generated file (path printed).`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const mb = Number(process.argv[2] ?? 50);
  if (!(mb > 0)) throw new Error(`SIZE_MB "${process.argv[2]}" is not a positive number\n${USAGE}`);
  const counts = (process.argv[3] ?? '1,16,160')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const dir = mkdtempSync(join(tmpdir(), 'phonehome-bench-'));
  const file = join(dir, `sdk-traffic-${mb}.ndjson`);
  try {
    const mix = generate(file, mb);
    printMix(mix);
    const bytes = statSync(file).size;
    const g0 = performance.now();
    execFileSync('grep', ['-c', 'pizza', file]);
    const grepS = (performance.now() - g0) / 1000;
    console.log(
      `\nphonehome scan FILE --json, whole command (node start and loading its bundle included); ${availableParallelism()} cores, shared machine`,
    );
    console.log('tokens  wall_s  MB/s    cpu_s   peak_RSS_MB  planted  found  findings  gaps  ×grep  load');
    const base: number[] = [];
    // CPU seconds of the largest count with the default threads and with one (the "j1" row).
    const cpuAtLargest: number[] = [];
    // The default (one worker thread per core), then the largest count again on one thread: on a
    // machine whose cores slow each other down, one thread may be the faster.
    const runs = [
      ...counts.map((n) => ({ n, label: String(n), extra: [] as string[] })),
      ...counts.slice(-1).map((n) => ({ n, label: `${n} j1`, extra: ['--jobs', '1'] })),
    ];
    for (const { n, label, extra } of runs) {
      const r = scan(file, tokenArgs(n), extra);
      const mbs = bytes / 1024 / 1024 / r.s;
      if (extra.length === 0) base.push(mbs);
      if (n === counts[counts.length - 1]) cpuAtLargest.push(r.cpuS);
      console.log(
        [
          label.padEnd(7),
          r.s.toFixed(2).padEnd(7),
          mbs.toFixed(1).padEnd(7),
          r.cpuS.toFixed(1).padEnd(7),
          r.rssMb.toFixed(0).padEnd(12),
          String(PHRASES.slice(0, n).reduce((a, p) => a + (mix.plantedBy.get(p) ?? 0), 0)).padEnd(8),
          String(r.phraseEntries.size).padEnd(6),
          String(r.findings).padEnd(9),
          String(r.gaps).padEnd(5),
          (r.s / grepS).toFixed(0).padEnd(6),
          loadavg()[0]!.toFixed(1),
        ].join(' '),
      );
    }
    console.log(`grep -c over the same file: ${grepS.toFixed(3)} s`);
    if (base.length > 1)
      console.log(
        `slowdown from ${counts[0]} to ${counts[counts.length - 1]} tokens: ${(base[0]! / base[base.length - 1]!).toFixed(2)}×`,
      );
    console.log(
      '"planted": requests whose page URL carries one of the phrases among the tokens; "found": requests in which scan found a phrase; "j1": with --jobs 1.',
    );
    // The least any scanner must spend on this file (bench/scan-floor.ts), at the largest count.
    const n = counts[counts.length - 1]!;
    const floor = scanFloor(file, tokenArgs(n));
    const perCpu = (cpuS: number) => bytes / 1024 / 1024 / cpuS;
    const cores = availableParallelism();
    // What one more thread costs here: the CPU of the default threads over that of one thread.
    const threadCost = cpuAtLargest.length === 2 ? cpuAtLargest[0]! / cpuAtLargest[1]! : Number.NaN;
    console.log(
      `\nfloor at ${n} tokens, one thread in this process (bench/scan-floor.ts): decompressing only (base64 bodies and form fields, gzip, lz-string) ${floor.decompressS.toFixed(2)} s CPU = ${perCpu(floor.decompressS).toFixed(1)} MB per CPU-second; and searching the URL, each header and each body once (as written and decompressed) for every form of every token ${floor.withMatchS.toFixed(2)} s = ${perCpu(floor.withMatchS).toFixed(1)} MB per CPU-second (${floor.hits} hits). No structure, no chain, no probe for encodings no header announces.`,
    );
    console.log(
      `so on ${cores} cores at most ${(cores * perCpu(floor.withMatchS)).toFixed(0)} MB/s were every added thread free, ${((cores * perCpu(floor.withMatchS)) / threadCost).toFixed(0)} MB/s at what the default threads cost here (${threadCost.toFixed(2)}× the CPU of one, rows ${n} and ${n} j1); scan itself: ${(bytes / 1024 / 1024 / cpuAtLargest[cpuAtLargest.length - 1]!).toFixed(1)} MB per CPU-second with one thread, ${((floor.withMatchS * 100) / cpuAtLargest[cpuAtLargest.length - 1]!).toFixed(0)} % of it the floor`,
    );
  } finally {
    if (process.env.KEEP) console.log(`kept: ${file}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
