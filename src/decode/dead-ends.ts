/**
 * Strings known to lead nowhere for one visitor and one set of decoders: the visitor found nothing
 * in them and no decoder peeled anything out of them. Telemetry repeats such strings in every
 * request (a user agent, an API key, a library version, a page URL with no escapes), so a scan
 * that remembers them skips their search and their decoders' probes (a headerless-compression
 * probe costs more than the rest of a short string's work).
 *
 * Bounded: strings longer than MAX_TEXT are not kept, and the set is emptied when it holds
 * MAX_CHARS characters or MAX_STRINGS strings, so memory stays flat whatever the input size.
 */
export class DeadEnds {
  /** Longer strings are seldom repeated word for word. */
  static readonly MAX_TEXT = 2048;
  /** About 16 MB of UTF-16 at most... */
  static readonly MAX_CHARS = 8 * 1024 * 1024;
  /** ...and at most this many strings (each costs a set entry besides its characters). */
  static readonly MAX_STRINGS = 65536;
  private readonly set = new Set<string>();
  private chars = 0;

  has(text: string): boolean {
    return text.length <= DeadEnds.MAX_TEXT && this.set.has(text);
  }

  add(text: string): void {
    if (text.length > DeadEnds.MAX_TEXT) return;
    if (this.chars + text.length > DeadEnds.MAX_CHARS || this.set.size >= DeadEnds.MAX_STRINGS) {
      this.set.clear();
      this.chars = 0;
    }
    this.set.add(text);
    this.chars += text.length;
  }

  get size(): number {
    return this.set.size;
  }
}
