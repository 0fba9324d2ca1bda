/**
 * Runs `fn` with stack traces off. Decoders probe data that is usually not of their kind, and the
 * libraries they call (node:zlib, protobufjs) say so by throwing; capturing (and source-mapping)
 * a stack for each of those expected errors was most of the scan's time.
 */
export function quietly<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
