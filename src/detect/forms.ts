import { createHash } from 'node:crypto';
import type { Token } from '../model/token.ts';

/** One way a token may appear in traffic: the token itself, a hash of it, a base64 slice of it. */
export interface TokenForm {
  token: Token;
  /** Name of the form, e.g. `sha256-hex`, `base64-offset-1`; undefined for the token as given. */
  form?: string;
  /** The literal text to find. */
  text: string;
  /** Hex, and the token text itself, are matched ignoring case; base64 forms are not. */
  caseInsensitive: boolean;
  /**
   * `word`: the match must not touch a letter or digit on either side (device-info such as a model
   * or OS version, which would otherwise match inside other numbers and words). `digit`: it must not
   * touch a digit (numeric identifiers such as an IMEI). `none`: anywhere.
   */
  boundary: 'none' | 'word' | 'digit';
  /** True for a typed canary's prefix: a match inside a longer match of the same token is not one. */
  prefix?: boolean;
}

/** Tokens shorter than this are not searched: they would match everywhere. */
export const MIN_TOKEN_LENGTH = 4;
/** A base64 slice shorter than this is not searched for the same reason. */
const MIN_BASE64_SLICE = 8;

const HASHES = ['md5', 'sha1', 'sha256'] as const;

/**
 * A typed canary's prefixes this long and longer are tokens too (suggestion requests carry every
 * keystroke). Canaries start with "ph" and 12 random characters from 32: 8 characters keep 30
 * random bits, so a prefix still names one canary, while shorter ones start to look like words.
 */
export const MIN_PREFIX = 8;

/** JSON's `\uXXXX` escape of one UTF-16 unit (either hex case is matched: forms ignore case). */
function uEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * The spellings a browser or SDK writes text in, besides the text itself: spaces as "+" (query
 * strings), percent-encoded UTF-8 as encodeURIComponent, encodeURI and form posts
 * (URLSearchParams: reserved characters escaped, spaces as "+") write it, and JSON with "\uXXXX"
 * escapes (every non-ASCII unit, surrogate pairs as two escapes; also "&", "<", ">" as Go and
 * others escape them, and "/" as "\/"). Percent hex is matched in either case because forms are
 * matched ignoring ASCII case. Spellings equal to the text, or to one before, are left out.
 */
export function typedSpellings(v: string): Array<{ text: string; name: string }> {
  const out: Array<{ text: string; name: string }> = [];
  const seen = new Set([v.toLowerCase()]);
  const add = (text: string, name: string) => {
    const key = text.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ text, name });
  };
  // SDKs lower-case before encoding: the percent bytes of "É" and "é" differ, ASCII case does not.
  const lower = v.toLowerCase();
  for (const [t, suffix] of lower !== v && /[^\x00-\x7f]/.test(v)
    ? [
        [v, ''],
        [lower, '-lower'],
      ]
    : [[v, '']]) {
    const text = t as string;
    add(text.replace(/ /g, '+'), `plus${suffix}`);
    add(encodeURIComponent(text), `percent${suffix}`);
    add(encodeURIComponent(text).replace(/%20/g, '+'), `percent-plus${suffix}`);
    add(new URLSearchParams([['', text]]).toString().slice(1), `form${suffix}`);
    add(encodeURI(text), `uri${suffix}`);
    add(encodeURI(text).replace(/%20/g, '+'), `uri-plus${suffix}`);
    add(text.replace(/[^\x00-\x7f]/g, uEscape), `json-u${suffix}`);
    add(text.replace(/[^\x00-\x7f]|[&<>]/g, uEscape), `json-u-html${suffix}`);
    add(text.replace(/\//g, '\\/'), `json-slash${suffix}`);
  }
  return out;
}

/** A typed canary's prefixes from MIN_PREFIX code points up, without one that ends in a space. */
export function typedPrefixes(v: string): string[] {
  const points = [...v];
  const out: string[] = [];
  for (let n = MIN_PREFIX; n < points.length; n++) {
    const p = points.slice(0, n).join('');
    if (!/\s$/.test(p)) out.push(p);
  }
  return out;
}

/**
 * The base64 characters that encode `bytes` whatever surrounds them, when they sit at byte offset
 * `offset` (0, 1 or 2) modulo 3 inside a larger blob. Characters that mix in neighbouring bytes are
 * dropped at both ends.
 */
export function base64Slice(bytes: Buffer, offset: 0 | 1 | 2): string {
  const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
  const enc = padded.toString('base64');
  const start = Math.ceil((8 * offset) / 6);
  const end = Math.floor((8 * (offset + bytes.length)) / 6);
  return enc.slice(start, end);
}

function isMac(v: string): boolean {
  return /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(v);
}

function isUuid(v: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
}

/** Spellings of an identifier that SDKs commonly use before sending or hashing it. */
function variants(token: Token): Array<{ text: string; name?: string }> {
  const v = token.value;
  const out: Array<{ text: string; name?: string }> = [{ text: v }];
  if (token.kind === 'device-id') {
    if (isMac(v)) {
      const bare = v.replace(/[:-]/g, '');
      out.push({ text: bare, name: 'no-separators' });
      out.push({
        text: v.includes(':') ? v.replace(/:/g, '-') : v.replace(/-/g, ':'),
        name: 'other-separator',
      });
    }
    if (isUuid(v)) out.push({ text: v.replace(/-/g, ''), name: 'no-dashes' });
  }
  return out;
}

/** Inputs hashed: each spelling as given, lower-cased and upper-cased (SDKs normalise case first). */
function hashInputs(token: Token): Array<{ text: string; name: string }> {
  const seen = new Set<string>();
  const out: Array<{ text: string; name: string }> = [];
  for (const v of variants(token)) {
    for (const [text, c] of [
      [v.text, ''],
      [v.text.toLowerCase(), 'lower'],
      [v.text.toUpperCase(), 'upper'],
    ] as const) {
      if (seen.has(text)) continue;
      seen.add(text);
      out.push({ text, name: [v.name, c].filter(Boolean).join('-') });
    }
  }
  return out;
}

export interface FormsResult {
  forms: TokenForm[];
  /** Tokens not searched, with the reason (too short). */
  skipped: Array<{ token: Token; reason: string }>;
}

/** The tokens tokenForms leaves out, each with the reason: those shorter than MIN_TOKEN_LENGTH. */
export function skippedTokens(tokens: readonly Token[]): FormsResult['skipped'] {
  return tokens
    .filter((token) => token.value.length < MIN_TOKEN_LENGTH)
    .map((token) => ({
      token,
      reason: `shorter than ${MIN_TOKEN_LENGTH} characters, it would match everywhere`,
    }));
}

/**
 * Every form to look for, for every token: the token (ignoring case; identifiers also in their
 * usual other spellings), its md5/sha1/sha256 as hex (either case) and base64 (standard and
 * URL-safe), and its base64 at each of the three byte alignments inside a larger blob. Device-info
 * (model, OS version...) is only searched as written, with word boundaries, because its hashes and
 * slices would say nothing about this device. Tokens shorter than MIN_TOKEN_LENGTH are skipped.
 */
export function tokenForms(tokens: readonly Token[]): FormsResult {
  const forms: TokenForm[] = [];
  const skipped = skippedTokens(tokens);
  for (const token of tokens) {
    const v = token.value;
    if (v.length < MIN_TOKEN_LENGTH) continue;
    if (token.kind === 'device-info') {
      forms.push({ token, text: v, caseInsensitive: true, boundary: 'word' });
      continue;
    }
    const numeric = /^[0-9]+$/.test(v);
    for (const variant of variants(token)) {
      forms.push({
        token,
        form: variant.name,
        text: variant.text,
        caseInsensitive: true,
        boundary: numeric ? 'digit' : 'none',
      });
    }
    for (const s of typedSpellings(v)) {
      forms.push({ token, form: s.name, text: s.text, caseInsensitive: true, boundary: 'none' });
    }
    if (token.typed === true && token.kind === 'canary') {
      for (const p of typedPrefixes(v)) {
        const n = [...p].length;
        forms.push({
          token,
          form: `prefix-${n}`,
          text: p,
          caseInsensitive: true,
          boundary: 'none',
          prefix: true,
        });
        for (const s of typedSpellings(p)) {
          forms.push({
            token,
            form: `prefix-${n}-${s.name}`,
            text: s.text,
            caseInsensitive: true,
            boundary: 'none',
            prefix: true,
          });
        }
      }
    }
    for (const input of hashInputs(token)) {
      for (const alg of HASHES) {
        const digest = createHash(alg).update(input.text, 'utf8').digest();
        const base = input.name ? `${alg}-${input.name}` : alg;
        forms.push({
          token,
          form: `${base}-hex`,
          text: digest.toString('hex'),
          caseInsensitive: true,
          boundary: 'none',
        });
        const b64 = digest.toString('base64').replace(/=+$/, '');
        forms.push({ token, form: `${base}-base64`, text: b64, caseInsensitive: false, boundary: 'none' });
        const url = b64.replace(/\+/g, '-').replace(/\//g, '_');
        if (url !== b64)
          forms.push({
            token,
            form: `${base}-base64url`,
            text: url,
            caseInsensitive: false,
            boundary: 'none',
          });
      }
    }
    const bytes = Buffer.from(v, 'utf8');
    for (const offset of [0, 1, 2] as const) {
      const slice = base64Slice(bytes, offset);
      if (slice.length < MIN_BASE64_SLICE) continue;
      forms.push({
        token,
        form: `base64-offset-${offset}`,
        text: slice,
        caseInsensitive: false,
        boundary: 'none',
      });
      const url = slice.replace(/\+/g, '-').replace(/\//g, '_');
      if (url !== slice) {
        forms.push({
          token,
          form: `base64url-offset-${offset}`,
          text: url,
          caseInsensitive: false,
          boundary: 'none',
        });
      }
    }
  }
  return { forms, skipped };
}
