import { isNode, LineCounter, parseDocument } from 'yaml';

/**
 * Bad input from a file the user gave (claims, targets, run.json, captures): one line naming the
 * file, the line when known, the field when there is one, and the reason — never a stack trace.
 * The commands print `error.message` as it is.
 */
export class FileInputError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly field?: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${reason}`);
    this.name = 'FileInputError';
  }
}

/** A validation path as a field name: `claims[1].mayGoTo[0]`; `root` for the empty path. */
export function fieldPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

/** A parsed YAML document that can tell the line of any path in it. */
export interface YamlSource {
  /** The document as plain data. */
  data: unknown;
  /** Line of the deepest node on `path` that exists (a missing field points at its parent). */
  lineOf(path: readonly PropertyKey[]): number;
  /** The document, for lookups `lineOf` does not cover. */
  doc: ReturnType<typeof parseDocument>;
  lineCounter: LineCounter;
}

/**
 * Parses YAML (and so JSON) keeping positions. Throws FileInputError with the line of the first
 * syntax error (or of a duplicated key).
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lineCounter.linePos(syntax.pos[0]).line;
    throw new FileInputError(file, syntax.message.split('\n')[0] ?? 'invalid YAML', 'yaml', line);
  }
  return {
    data: doc.toJS(),
    doc,
    lineCounter,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return 1;
    },
  };
}
