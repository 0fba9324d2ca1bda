import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of the pipeline (README, "Architecture"), checked over the real import graph:
 * every import and export-from of every .ts file under src/, drivers/ and fixtures/, as TypeScript
 * itself reads them (ts.preProcessFile), type-only imports included, since they tie the folders as
 * surely as value imports do.
 */

const root = resolve(import.meta.dirname, '../..');
const FOLDERS = ['src', 'drivers', 'fixtures'];

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** file (relative to the root) → the project files and packages it imports. */
function importGraph(): Map<string, { files: string[]; packages: string[] }> {
  const graph = new Map<string, { files: string[]; packages: string[] }>();
  for (const file of FOLDERS.flatMap(tsFiles)) {
    const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    const specifiers = info.importedFiles.map((f) => f.fileName);
    graph.set(file, {
      files: specifiers
        .filter((s) => s.startsWith('.'))
        .map((s) => relative(root, resolve(root, dirname(file), s))),
      packages: specifiers.filter((s) => !s.startsWith('.')),
    });
  }
  return graph;
}

const graph = importGraph();

/** Lines `from → to` of every import from a file under `from` into a file under one of `to`. */
function importsInto(from: string, to: string[]): string[] {
  return [...graph.entries()].flatMap(([file, { files }]) =>
    file.startsWith(`${from}/`)
      ? files.filter((t) => to.some((folder) => t.startsWith(`${folder}/`))).map((t) => `${file} → ${t}`)
      : [],
  );
}

/** Lines `from → to` of every import from a file under `from` into a file outside all of `allowed`. */
function importsOutside(from: string, allowed: string[]): string[] {
  return [...graph.entries()].flatMap(([file, { files }]) =>
    file.startsWith(`${from}/`)
      ? files
          .filter((t) => !allowed.some((folder) => t.startsWith(`${folder}/`)))
          .map((t) => `${file} → ${t}`)
      : [],
  );
}

describe('import rules', () => {
  it('should read the import graph of the project (a graph of nothing would pass every rule)', () => {
    expect(graph.size).toBeGreaterThan(120);
    expect(graph.get('src/claims/evaluate.ts')?.files).toContain('src/model/verdict.ts');
  });

  it('should resolve every relative import to a file (TypeScript does not check side-effect imports)', () => {
    const missing = [...graph.entries()].flatMap(([file, { files }]) =>
      files.filter((t) => !existsSync(join(root, t))).map((t) => `${file} → ${t}`),
    );
    expect(missing).toEqual([]);
  });

  it('should keep src/model to itself and zod: the shared records import no stage', () => {
    expect(importsOutside('src/model', ['src/model'])).toEqual([]);
    const packages = [...graph.entries()]
      .filter(([file]) => file.startsWith('src/model/'))
      .flatMap(([, { packages }]) => packages);
    expect([...new Set(packages)]).toEqual(['zod']);
  });

  it('should render reports from run.json alone: src/report imports only src/model, src/input and itself', () => {
    expect(importsOutside('src/report', ['src/report', 'src/model', 'src/input'])).toEqual([]);
  });

  it('should move data forward only: no stage imports a later one', () => {
    expect(importsInto('src/claims', ['src/report', 'src/run', 'src/commands'])).toEqual([]);
    expect(
      importsInto('src/capture', ['drivers', 'fixtures', 'src/claims', 'src/detect', 'src/report']),
    ).toEqual([]);
    expect(importsInto('src/decode', ['src/detect', 'src/claims', 'src/report'])).toEqual([]);
    expect(importsInto('src/detect', ['src/claims', 'src/report'])).toEqual([]);
  });

  it('should keep drivers apart from claims and from the harness', () => {
    expect(importsInto('drivers', ['src/claims', 'fixtures'])).toEqual([]);
  });

  it('should keep the harness in src/: src imports nothing of fixtures/ (the Playwright glue)', () => {
    expect(importsInto('src', ['fixtures'])).toEqual([]);
  });

  it('should have no import cycle', () => {
    // Tarjan's strongly connected components: any component of more than one file is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const cycles: string[][] = [];
    let next = 0;
    const visit = (v: string): void => {
      index.set(v, next);
      low.set(v, next);
      next++;
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v)?.files ?? []) {
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || graph.get(v)?.files.includes(v)) cycles.push(component.sort());
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });
});
