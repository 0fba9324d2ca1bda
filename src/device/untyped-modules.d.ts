// snappyjs and lz4js ship no types; only the calls phonehome makes are declared.
declare module 'snappyjs' {
  const snappy: {
    uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
    compress(data: Uint8Array): Uint8Array;
  };
  export default snappy;
}
declare module 'lz4js' {
  export function decompressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    dIndex: number,
  ): number;
  export function compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
  export function compressBound(n: number): number;
}
