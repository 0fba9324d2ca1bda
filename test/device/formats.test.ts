import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { compressBlock, compressBound } from 'lz4js';
import { afterAll, describe, expect, it } from 'vitest';
import { scanDeviceFiles } from '../../src/device/scan.ts';
import { canary, token } from './canaries.ts';

const dir = mkdtempSync(join(tmpdir(), 'phonehome-device-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sqlite(db: string, ...commands: string[]): void {
  execFileSync('sqlite3', [db, ...commands], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A folder of the test's own under the test folder (and `sub` below it), and a fresh canary for it. */
function caseFolder(name: string, sub = ''): { root: string; value: string } {
  const root = join(dir, name);
  mkdirSync(join(root, sub), { recursive: true });
  return { root, value: canary() };
}

async function scan(root: string, values: string[], bounds = {}) {
  return scanDeviceFiles({
    root,
    tokens: values.map(token),
    provenance: { target: 'test:incognito', scenario: 'search', mode: 'incognito' },
    bounds,
  });
}

describe('device scan: formats written by real tools', () => {
  it('should find a canary left in a SQLite free page, which no query returns', async () => {
    const { root, value } = caseFolder('free');
    // Debian's sqlite3 zeroes deleted content by default; a careless app turns that off.
    sqlite(
      join(root, 'History'),
      `PRAGMA secure_delete=OFF; CREATE TABLE urls(url); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<60) INSERT INTO urls SELECT 'https://search.test/?q=${value}&n=' || hex(randomblob(200)) FROM c; CREATE TABLE keep(x); INSERT INTO keep VALUES('kept'); DELETE FROM urls;`,
    );
    expect(
      execFileSync('sqlite3', [
        join(root, 'History'),
        `SELECT count(*) FROM urls WHERE url LIKE '%${value}%'`,
      ])
        .toString()
        .trim(),
    ).toBe('0');
    const result = await scan(root, [value]);
    const free = result.findings.filter((f) => f.chain[0]?.endsWith('(free page)'));
    expect(free.length).toBeGreaterThan(0);
    expect(free[0]).toMatchObject({ where: 'file:History', format: 'sqlite', token: value });
    expect(free[0]!.chain[0]).toMatch(/^sqlite:page \d+ \(free page\)$/);
    expect(result.gaps).toEqual([]);
  });

  it('should find a live row with its table, column and decode chain', async () => {
    const { root, value } = caseFolder('rows');
    sqlite(
      join(root, 'places.sqlite'),
      `CREATE TABLE moz_places(url, title); INSERT INTO moz_places VALUES('https://search.test/?q=' || '${value}' || '%20x', 'x');`,
    );
    const result = await scan(root, [value]);
    // The row's cell, then the decoders' own steps into the URL's query.
    const row = result.findings.find((f) => f.chain[0] === 'sqlite:moz_places.url');
    expect(row?.chain.slice(0, 2)).toEqual(['sqlite:moz_places.url', 'row 1']);
    expect(row!.chain.length).toBeGreaterThan(2);
  });

  it('should find a canary in a WAL frame not yet checkpointed, and name the frame', async () => {
    const { root, value } = caseFolder('wal');
    // The CLI is killed before it closes the database, so the log is never checkpointed into it.
    spawnSync('sqlite3', [
      join(root, 'Cookies'),
      `PRAGMA journal_mode=WAL; CREATE TABLE cookies(value); INSERT INTO cookies VALUES('${value}');`,
      '.system kill -9 $PPID',
    ]);
    expect(readFileSync(join(root, 'Cookies')).includes(value)).toBe(false);
    const result = await scan(root, [value]);
    const wal = result.findings.find((f) => f.where === 'file:Cookies-wal');
    expect(wal?.format).toBe('sqlite-wal');
    expect(wal?.chain[0]).toMatch(/^sqlite-wal:frame \d+ of \d+ \(page \d+, not yet checkpointed\)$/);
  });

  it('should decompress a mozLz4 session file and follow the JSON inside', async () => {
    const { root, value } = caseFolder('lz4', 'sessionstore-backups');
    // The URL comes twice: LZ4 writes the second as a back-reference, so only decompression finds it whole.
    const json = JSON.stringify({
      windows: [
        {
          tabs: [
            {
              entries: [
                { url: `https://search.test/?q=${value.slice(0, 8)}`, title: 'x' },
                { url: `https://search.test/?q=${value}` },
              ],
            },
          ],
        },
      ],
    });
    const src = Buffer.from(json);
    const out = Buffer.alloc(compressBound(src.length));
    const n = compressBlock(src, out, 0, src.length, new Uint32Array(1 << 16));
    const header = Buffer.alloc(12);
    header.write('mozLz40\0', 0, 'latin1');
    header.writeUInt32LE(src.length, 8);
    writeFileSync(
      join(root, 'sessionstore-backups/recovery.jsonlz4'),
      Buffer.concat([header, out.subarray(0, n)]),
    );
    const result = await scan(root, [value]);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      where: 'file:sessionstore-backups/recovery.jsonlz4',
      format: 'mozlz4',
    });
    expect(result.findings[0]!.chain[0]).toBe('mozlz4');
    expect(result.findings[0]!.chain.some((s) => s.includes('$.windows[0].tabs[0].entries[1].url'))).toBe(
      true,
    );
  });

  it("should read Mesa's shader cache as written by llvmpipe, and find a term inside a compressed entry", async () => {
    // A real entry (test/fixtures/device/README.md): read without a gap, its payload the size its header says.
    const real = join(import.meta.dirname, '../fixtures/device');
    const clean = await scan(real, [canary()]);
    expect(clean.summary.formats['mesa-shader-cache']).toBe(1);
    expect(clean.gaps).toEqual([]);

    // The same driver keys in front of payloads compressed by the zstd tool and by zlib, each holding a term.
    const realBytes = readFileSync(
      join(real, 'home/.cache/mesa_shader_cache/35/3979bd82ad5fe52911a25c82ea6ab78eb69ee9'),
    );
    const header = realBytes.subarray(0, 0x40);
    const root = join(dir, 'mesa');
    const [a, b] = [canary(), canary()];
    const entry = (payload: Buffer, compressed: Buffer): Buffer => {
      const sizes = Buffer.alloc(8);
      sizes.writeUInt32LE(payload.length, 4);
      return Buffer.concat([header, sizes, compressed]);
    };
    const shader = (value: string) =>
      Buffer.concat([Buffer.from('\x7fELF'), randomBytes(3000), Buffer.from(`uniform vec4 ${value};`)]);
    mkdirSync(join(root, 'mesa_shader_cache/0a'), { recursive: true });
    const zstdPayload = shader(a);
    const zstd = spawnSync('zstd', ['-q', '-c'], { input: zstdPayload });
    expect(zstd.status).toBe(0);
    writeFileSync(join(root, `mesa_shader_cache/0a/${'1'.repeat(38)}`), entry(zstdPayload, zstd.stdout));
    const zlibPayload = shader(b);
    writeFileSync(
      join(root, `mesa_shader_cache/0a/${'2'.repeat(38)}`),
      entry(zlibPayload, deflateSync(zlibPayload)),
    );
    // Bytes cut short: a gap naming the format, never a clean file.
    writeFileSync(
      join(root, `mesa_shader_cache/0a/${'3'.repeat(38)}`),
      entry(zstdPayload, zstd.stdout.subarray(0, 40)),
    );
    const result = await scan(root, [a, b]);
    const found = Object.fromEntries(result.findings.map((f) => [f.token, f]));
    expect(found[a]).toMatchObject({
      format: 'mesa-shader-cache',
      where: `file:mesa_shader_cache/0a/${'1'.repeat(38)}`,
    });
    expect(found[a]!.chain[0]).toBe(
      'mesa-shader-cache:zstd (llvmpipe 2bc1f2baf6e58103dcc9562f497d2cdeabf3cd8e)',
    );
    expect(found[b]!.chain[0]).toMatch(/^mesa-shader-cache:zlib /);
    expect(result.gaps.map((g) => g.file)).toEqual([`mesa_shader_cache/0a/${'3'.repeat(38)}`]);
    expect(result.gaps[0]!.reason).toMatch(
      /\(mesa-shader-cache\): its zstd payload could not be decompressed/,
    );
  });

  it('should record a gap, never a clean file, for a file it cannot read', async () => {
    const { root, value } = caseFolder('gaps');
    writeFileSync(join(root, 'big.txt'), Buffer.alloc(4096, 'a'));
    const header = Buffer.alloc(12);
    header.write('mozLz40\0', 0, 'latin1');
    header.writeUInt32LE(1000, 8);
    writeFileSync(join(root, 'broken.jsonlz4'), Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff])]));
    const result = await scan(root, [value], { maxFileBytes: 2048 });
    const reasons = result.gaps.map((g) => g.reason);
    expect(result.gaps.every((g) => g.kind === 'file-unread')).toBe(true);
    expect(reasons.find((r) => r.startsWith('big.txt'))).toMatch(/more than the 2048 read per file/);
    expect(result.gaps.map((g) => g.file).sort()).toEqual(['big.txt', 'broken.jsonlz4']);
    expect(reasons.find((r) => r.startsWith('broken.jsonlz4'))).toMatch(/mozlz4/);
  });

  it('should name a format it has no reader for', async () => {
    const root = join(dir, 'unknown');
    mkdirSync(root);
    writeFileSync(
      join(root, 'Session_1'),
      Buffer.from(Array.from({ length: 8192 }, () => Math.floor(Math.random() * 256))),
    );
    const result = await scan(root, [canary()]);
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]!.reason).toMatch(
      /^Session_1 \(raw\): looks compressed or encrypted .* no reader knows its format/,
    );
  });

  it('should leave out files older than the scenario and the harness files', async () => {
    const { root, value } = caseFolder('since');
    writeFileSync(join(root, 'old.txt'), value);
    writeFileSync(join(root, 'chromium.log'), value);
    const result = await scanDeviceFiles({
      root,
      tokens: [token(value)],
      provenance: { target: 't:normal', scenario: 's', mode: 'normal' },
      since: Date.now() + 60_000,
      harnessFiles: (p) => p === 'chromium.log',
    });
    expect(result.findings).toEqual([]);
    expect(result.summary).toMatchObject({ files: 0, unchanged: 1, harness: 1 });
  });
});
