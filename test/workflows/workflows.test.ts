import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = process.cwd();
/** Scripts other engineers are still writing: checked like the rest once they exist. */
const PENDING = new Set(['scripts/android-nightly.sh']);

interface Step {
  name?: string;
  env?: Record<string, string>;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on'?: string;
  needs?: string | string[];
  steps?: Step[];
  strategy?: { matrix?: Record<string, unknown> };
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

function load(name: string): Workflow {
  const doc = parse(readFileSync(join(ROOT, '.github/workflows', name), 'utf8'), {
    prettyErrors: true,
    strict: true,
  });
  return doc as Workflow;
}

/** Every shell script a workflow runs: `run:` blocks and the emulator runner's `script:`. */
function scripts(wf: Workflow): string[] {
  return Object.values(wf.jobs).flatMap((job) =>
    (job.steps ?? [])
      .flatMap((s) => [s.run, typeof s.with?.script === 'string' ? s.with.script : undefined])
      .filter((x): x is string => Boolean(x)),
  );
}

/** Local files a script names (`bash FILE`, `node FILE`, `--config FILE`). */
function localFiles(script: string): string[] {
  const found = [
    ...script.matchAll(
      /(?:\bbash|\bnode|--config)\s+([A-Za-z0-9_./-]+\.(?:sh|js|ts|mjs)|\.ci\/[A-Za-z0-9_-]+)/g,
    ),
  ];
  return found.map((m) => m[1]!);
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

describe.each(['ci.yml', 'nightly.yml'])('workflow %s', (file) => {
  const wf = load(file);

  it('should parse, with jobs that each run somewhere and have steps that use or run one thing', () => {
    expect(Object.keys(wf.jobs).length).toBeGreaterThan(0);
    for (const [id, job] of Object.entries(wf.jobs)) {
      expect(job['runs-on'], id).toBeTruthy();
      expect(job.steps?.length, id).toBeGreaterThan(0);
      for (const step of job.steps ?? [])
        expect(Boolean(step.uses) !== Boolean(step.run), `${id}: ${JSON.stringify(step)}`).toBe(true);
      for (const need of [job.needs ?? []].flat())
        expect(Object.keys(wf.jobs), `${id} needs ${need}`).toContain(need);
    }
  });

  it('should pin every action to a major version', () => {
    for (const job of Object.values(wf.jobs)) {
      for (const step of job.steps ?? [])
        if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@v\d+$/);
    }
  });

  it('should call only scripts, npm scripts and phonehome commands that exist', () => {
    const all = scripts(wf);
    expect(all.length).toBeGreaterThan(0);
    for (const script of all) {
      for (const f of localFiles(script)) {
        if (PENDING.has(f) && !existsSync(join(ROOT, f))) continue;
        expect(existsSync(join(ROOT, f)), `${file} runs ${f}`).toBe(true);
      }
      for (const m of script.matchAll(/\bnpm (?:run )?(test|start|[\w:-]+)/g)) {
        const name = m[1]!;
        if (['ci', 'install', 'run'].includes(name)) continue;
        expect(Object.keys(pkg.scripts), `${file}: npm ${name}`).toContain(name);
      }
      for (const m of script.matchAll(/bin\/phonehome\.js (\w+)/g)) {
        expect(['run', 'scan', 'report', 'diff', 'merge'], `${file}: phonehome ${m[1]}`).toContain(m[1]);
      }
    }
  });

  it('should have run blocks that are valid bash', () => {
    for (const script of scripts(wf)) {
      // GitHub expressions are replaced before the shell sees the script.
      const shell = script.replace(/\$\{\{[^}]*\}\}/g, 'X');
      const r = spawnSync('bash', ['-n'], { input: shell, encoding: 'utf8' });
      expect(r.status, `${r.stderr}\n${script}`).toBe(0);
    }
  });
});

describe('the workflows do what the project needs', () => {
  it('should run the README test command on push and pull request', () => {
    const ci = load('ci.yml');
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    const runs = scripts(ci).join('\n');
    expect(runs).toContain('bash .ci/run');
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toContain('npm test');
  });

  it('should shard the nightly matrix over its job matrix, merge it, diff it, publish it and run Android', () => {
    const wf = load('nightly.yml');
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['schedule', 'workflow_dispatch']));
    const shards = wf.jobs.matrix?.strategy?.matrix?.shard as number[];
    const runs = scripts(wf).join('\n');
    const shardArg = runs.match(/--shard=\$\{\{ matrix\.shard \}\}\/(\d+)/);
    expect(Number(shardArg?.[1])).toBe(shards.length);
    expect(runs).toContain('bash scripts/setup.sh');
    expect(runs).toContain('npx playwright merge-reports --config playwright.config.ts');
    expect(runs).toMatch(/bin\/phonehome\.js diff /);
    expect(runs).toMatch(/bin\/phonehome\.js report /);
    expect(runs).toContain('bash scripts/android-nightly.sh');
    const uses = Object.values(wf.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.uses ?? ''));
    expect(uses.some((u) => u.startsWith('actions/deploy-pages@'))).toBe(true);
    expect(uses.some((u) => u.startsWith('reactivecircus/android-emulator-runner@'))).toBe(true);
    // The merge step's config uses the matrix reporter, which writes run.json.
    expect(readFileSync(join(ROOT, 'playwright.config.ts'), 'utf8')).toContain('matrix-reporter');
    // run.json, the HAR and the flow logs leave the merge and Android jobs only in their published
    // form (report --publish: identifiers masked), never from reports/, which keeps full values.
    const runsOf = (job: string) => (wf.jobs[job]?.steps ?? []).map((st) => st.run ?? '').join('\n');
    expect(runsOf('merge')).toMatch(/phonehome\.js report .*--out public .*--publish/);
    expect(runsOf('android')).toMatch(/phonehome\.js report .*--out android-public --publish/);
    for (const job of ['merge', 'android', 'publish']) {
      for (const step of wf.jobs[job]?.steps ?? []) {
        if (!step.uses?.startsWith('actions/upload')) continue;
        expect(String(step.with?.path), `${job}: ${step.name}`).not.toMatch(/reports\//);
      }
    }
  });

  it('should upload from each shard only its sealed artifact, and open it only in the merge', () => {
    const wf = load('nightly.yml');
    const uploads = (wf.jobs.matrix?.steps ?? []).filter((st) => st.uses?.startsWith('actions/upload'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
    expect(uploads.map((st) => String(st.with?.path))).toEqual(['shard-${{ matrix.shard }}.tar.gz.enc']);
    const runsOf = (job: string) => (wf.jobs[job]?.steps ?? []).map((st) => st.run ?? '').join('\n');
    expect(runsOf('matrix')).toContain('bash scripts/shard-artifact.sh seal');
    expect(runsOf('merge')).toContain('bash scripts/shard-artifact.sh open');
    const secret = (job: string) =>
      (wf.jobs[job]?.steps ?? []).filter((st) => st.run?.includes('shard-artifact.sh'));
    for (const job of ['matrix', 'merge']) {
      for (const step of secret(job)) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
        expect(step.env?.PHONEHOME_SHARD_KEY).toBe('${{ secrets.PHONEHOME_SHARD_KEY }}');
      }
    }
  });

  it("should merge the Android job's run into the published run.json before the diff and the report", () => {
    const wf = load('nightly.yml');
    expect([wf.jobs.merge?.needs].flat()).toEqual(expect.arrayContaining(['matrix', 'android']));
    const steps = (wf.jobs.merge?.steps ?? []).map(
      (st) => `${st.uses ?? ''} ${st.run ?? ''} ${JSON.stringify(st.with ?? {})}`,
    );
    const at = (re: RegExp) => steps.findIndex((st) => re.test(st));
    expect(at(/"name":"android-run"/)).toBeGreaterThan(at(/merge-reports/));
    expect(at(/phonehome\.js merge "reports\/\$PHONEHOME_RUN_ID" android-run/)).toBeGreaterThan(
      at(/"name":"android-run"/),
    );
    expect(at(/phonehome\.js diff /)).toBeGreaterThan(at(/phonehome\.js merge /));
    expect(at(/phonehome\.js report /)).toBeGreaterThan(at(/phonehome\.js merge /));
    expect(at(/bash scripts\/pages-site\.sh public published\/runs site/)).toBeGreaterThan(
      at(/phonehome\.js report /),
    );
    // The Android job uploads what the merge downloads, in published form.
    const android = (wf.jobs.android?.steps ?? []).find((st) => st.uses?.startsWith('actions/upload'));
    expect(android?.with?.name).toBe('android-run');
    expect(android?.with?.path).toBe('android-public/');
  });
});

describe('workflow linter (action-validator, in npm run lint)', () => {
  const validate = (file: string) =>
    spawnSync(process.execPath, [join(ROOT, 'node_modules/@action-validator/cli/cli.mjs'), file], {
      encoding: 'utf8',
    });

  it('should accept both workflows and reject one with a misspelt key', () => {
    for (const file of ['ci.yml', 'nightly.yml']) {
      expect(validate(join(ROOT, '.github/workflows', file)).status, file).toBe(0);
    }
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-workflow-'));
    const bad = join(dir, 'ci.yml');
    writeFileSync(
      bad,
      readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8').replace('runs-on:', 'runs-onn:'),
    );
    expect(validate(bad).status).not.toBe(0);
  });
});
