import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/rng.ts';
import { GramIndex } from '../../src/detect/gram-index.ts';

/** Every (pattern, start) where the pattern occurs ignoring case, found by trying every position. */
function naive(patterns: readonly string[], text: string): string[] {
  const out: string[] = [];
  const t = text.toLowerCase();
  patterns.forEach((p, id) => {
    const lp = p.toLowerCase();
    for (let i = t.indexOf(lp); i >= 0; i = t.indexOf(lp, i + 1)) out.push(`${id}:${i}`);
  });
  return out.sort();
}

function scanned(index: GramIndex, text: string): string[] {
  const out: string[] = [];
  index.scan(text, (p, start) => out.push(`${p}:${start}`));
  return out.sort();
}

describe('gram index', () => {
  it('should find every occurrence of every pattern, overlapping and in any case, as a naive search does', () => {
    const rand = rng(16);
    // A small alphabet makes occurrences, overlaps and shared grams common.
    const alphabet = 'abcAB01+/é';
    const pick = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (let round = 0; round < 40; round++) {
      // Lengths across every group: 2–7, 8–15, 16–31, 32 and more.
      const patterns = [
        ...new Set(Array.from({ length: 30 }, () => pick(2 + Math.floor(rand() * 40)).toLowerCase())),
      ];
      let text = pick(3000);
      // Plant each pattern a few times, in upper case once, and back to back once.
      for (const p of patterns) {
        const at = Math.floor(rand() * text.length);
        text = text.slice(0, at) + p.toUpperCase() + p + p + text.slice(at);
      }
      const index = new GramIndex(patterns);
      expect(scanned(index, text)).toEqual(naive(patterns, text));
    }
  });

  it('should find as a naive search does in ASCII-only text and in text with one character beyond it', () => {
    const rand = rng(17);
    const ascii = 'abcAB01+/';
    const pick = (alphabet: string, n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (let round = 0; round < 40; round++) {
      // Patterns of both kinds and every length: the groups beyond ASCII are read only in text
      // that holds such a character, whose place has nothing to do with the patterns'.
      const patterns = [
        ...new Set(
          Array.from({ length: 30 }, (_, i) =>
            (i % 3 === 0
              ? `${pick(ascii, 1 + Math.floor(rand() * 20))}é東`
              : pick(ascii, 2 + Math.floor(rand() * 40))
            ).toLowerCase(),
          ),
        ),
      ];
      let text = pick(ascii, 3000);
      for (const p of patterns.filter((p) => !/[^\x00-\x7f]/.test(p))) {
        const at = Math.floor(rand() * text.length);
        text = text.slice(0, at) + p.toUpperCase() + p + text.slice(at);
      }
      const index = new GramIndex(patterns);
      expect(scanned(index, text)).toEqual(naive(patterns, text));
      const wide = patterns.filter((p) => /[^\x00-\x7f]/.test(p));
      const at = Math.floor(rand() * text.length);
      const mixed = `${text.slice(0, at)}${wide.join('')}${text.slice(at)}é`;
      expect(scanned(index, mixed)).toEqual(naive(patterns, mixed));
    }
  });

  it('should find patterns at the very start and end of a text, and none in a text shorter than them', () => {
    const patterns = ['ph7k2x9q', '東京 天気', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'];
    const index = new GramIndex(patterns);
    expect(scanned(index, 'PH7K2X9Q and 東京 天気')).toEqual(['0:0', '1:13']);
    expect(scanned(index, 'a'.repeat(37))).toEqual(['2:0', '2:1']);
    expect(scanned(index, 'ph7k2x9')).toEqual([]);
  });

  it('should fold only case that maps back: É finds é, the Kelvin sign does not find k', () => {
    const index = new GramIndex(['café crème', 'kkkkkkkk']);
    expect(scanned(index, 'CAFÉ CRÈME')).toEqual(['0:0']);
    expect(scanned(index, '\u212akkkkkkk')).toEqual([]);
  });
});
