import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; optional?: boolean; engines?: unknown }>;
};

const { accepts } = createRequire(import.meta.url)('../../scripts/check-node.cjs') as {
  accepts: (version: string, engines: string) => boolean;
};

function checkNode(version: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/check-node.cjs'), version], {
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr };
}

describe('Node versions (package.json engines)', () => {
  it('should name only Node versions every installed locked package declares it supports', () => {
    const narrower: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      // npm skips an optional package whose engines do not match, so it cannot break an install.
      if (path === '' || entry.optional) continue;
      const engines = entry.engines as { node?: string } | undefined;
      const theirs = typeof engines === 'object' && engines ? engines.node : undefined;
      if (!theirs || !semver.validRange(theirs)) continue;
      if (!semver.subset(pkg.engines.node, theirs)) {
        narrower.push(`${path}@${entry.version} wants ${theirs}`);
      }
    }
    expect(narrower).toEqual([]);
  });

  it('should include the Node that runs these tests', () => {
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });

  it('should agree with semver on which versions setup accepts', () => {
    const versions = [
      '18.20.8',
      '20.0.0',
      '20.19.0',
      '20.20.1',
      '20.20.2',
      '20.99.0',
      '21.7.3',
      '22.15.0',
      '22.23.4',
      '23.11.0',
      '24.15.0',
      '24.22.1',
      '25.2.0',
      '26.12.1',
      '27.0.0',
    ];
    for (const v of versions) {
      expect(accepts(v, pkg.engines.node), v).toBe(semver.satisfies(v, pkg.engines.node));
    }
  });

  it('should say in one line which Node was found and which are needed when it is older', () => {
    expect(checkNode('20.20.2').status).toBe(0);
    const { status, stderr } = checkNode('20.19.0');
    expect(status).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Node 20.19.0 is not supported');
    expect(lines[0]).toContain(pkg.engines.node);
  });
});
