/**
 * A deterministic pseudo-random stream in [0, 1) from `seed`: generated data is the same from run
 * to run, so a bench compares like with like and a failing test can be replayed.
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x297a2d39) >>> 0;
    s = (s ^ (s >>> 12)) >>> 0;
    return s / 2 ** 32;
  };
}
