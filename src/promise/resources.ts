import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';

/**
 * The strings a browser ships its UI text in, read from its installed files, so the promise read
 * from the running browser can be checked against the browser's own wording.
 */

/**
 * Strings of a Chromium `.pak` resource file (versions 4 and 5; locale paks are UTF-8, encoding 1).
 * Layout: a header, a table of (id u16, offset u32) entries with one sentinel entry after the
 * last, then the data; a resource runs from its offset to the next entry's.
 */
export function pakStrings(path: string): string[] {
  const b = readFileSync(path);
  const version = b.readUInt32LE(0);
  let count: number;
  let encoding: number;
  let table: number;
  if (version === 5) {
    encoding = b[4]!;
    count = b.readUInt16LE(8);
    table = 12;
  } else if (version === 4) {
    count = b.readUInt32LE(4);
    encoding = b[8]!;
    table = 9;
  } else {
    throw new Error(`${path}: a .pak of version ${version}, not 4 or 5`);
  }
  if (encoding !== 1) throw new Error(`${path}: .pak encoding ${encoding}, not UTF-8 (1)`);
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const at = table + i * 6;
    const from = b.readUInt32LE(at + 2);
    const to = b.readUInt32LE(at + 8);
    if (from <= to && to <= b.length) out.push(b.toString('utf8', from, to));
  }
  return out;
}

/**
 * Messages of the Fluent (`.ftl`) files in a Firefox `omni.ja` whose path matches `file`: each
 * message's value and attributes, with multi-line values joined.
 */
export function omniFtlMessages(omniPath: string, file: RegExp): string[] {
  const entries = unzipSync(readFileSync(omniPath), { filter: (f) => file.test(f.name) });
  const out: string[] = [];
  for (const data of Object.values(entries)) {
    let current: string[] = [];
    const flush = (): void => {
      if (current.length > 0) out.push(current.join(' '));
      current = [];
    };
    for (const line of strFromU8(data).split('\n')) {
      if (line.startsWith('#') || line.trim() === '') {
        flush();
        continue;
      }
      const message = /^[\w-]+ =\s*(.*)$/.exec(line);
      if (message) {
        flush();
        if (message[1]) current.push(message[1]);
      } else if (/^\s+\.[\w-]+ =/.test(line)) {
        flush();
        current.push(line.replace(/^\s+\.[\w-]+ =\s*/, ''));
      } else current.push(line.trim());
    }
    flush();
  }
  return out;
}

/**
 * The text strings compiled into a binary (an ELF library's English source strings, as gettext
 * keeps them): NUL-separated runs of printable UTF-8 of at least `min` characters.
 */
export function binaryStrings(path: string, min = 8): string[] {
  const text = readFileSync(path).toString('utf8');
  return text.split('\0').filter((s) => s.length >= min && !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(s));
}
