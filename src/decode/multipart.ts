import { type DecodeStep, encodedOnly } from './decoder.ts';
import type { Layer } from './layer.ts';

const CRLF2 = Buffer.from('\r\n\r\n');
const LF2 = Buffer.from('\n\n');

/**
 * Peels multipart/form-data into one layer per part, named `multipart:NAME`. The boundary is read
 * from the body's first line, so no Content-Type header is needed (captures often lose it).
 */
export const multipartDecoder = encodedOnly({
  id: 'multipart',
  explain: () => 'Splits a multipart/form-data body into its parts, named by their Content-Disposition name.',
  decode(layer: Layer): DecodeStep[] {
    // A multipart body starts with "--boundary" followed by a newline.
    if (layer.textOrigin && !layer.text.startsWith('--')) return [];
    const bytes = layer.bytes;
    if (bytes.length < 8 || bytes[0] !== 0x2d || bytes[1] !== 0x2d) return [];
    const eol = bytes.indexOf(0x0a);
    if (eol < 3 || eol > 200) return [];
    const boundary = bytes.subarray(0, bytes[eol - 1] === 0x0d ? eol - 1 : eol);
    if (/\s/.test(boundary.toString('latin1'))) return [];
    const out: DecodeStep[] = [];
    let pos = 0;
    let index = 0;
    while (pos < bytes.length) {
      const start = bytes.indexOf(boundary, pos);
      if (start < 0) break;
      let partStart = start + boundary.length;
      if (bytes[partStart] === 0x2d && bytes[partStart + 1] === 0x2d) break; // closing boundary
      if (bytes[partStart] === 0x0d) partStart++;
      if (bytes[partStart] === 0x0a) partStart++;
      const next = bytes.indexOf(boundary, partStart);
      let partEnd = next < 0 ? bytes.length : next;
      // The newline before the next boundary belongs to the delimiter, not the part.
      if (bytes[partEnd - 1] === 0x0a) partEnd--;
      if (bytes[partEnd - 1] === 0x0d) partEnd--;
      const part = bytes.subarray(partStart, Math.max(partStart, partEnd));
      let sep = part.indexOf(CRLF2);
      let sepLen = 4;
      if (sep < 0) {
        sep = part.indexOf(LF2);
        sepLen = 2;
      }
      const head = sep < 0 ? '' : part.subarray(0, sep).toString('latin1');
      const body = sep < 0 ? part : part.subarray(sep + sepLen);
      const name = /name="([^"]*)"/i.exec(head)?.[1] ?? /name=([^;\s]+)/i.exec(head)?.[1] ?? String(index);
      if (body.length > 0) out.push({ step: `multipart:${name}`, bytes: Buffer.from(body) });
      index++;
      if (next < 0) break;
      pos = next;
    }
    return out;
  },
});
