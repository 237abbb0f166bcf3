/**
 * Bounded JSON (browser-safe): a linear pre-scan for container nesting, so a hostile document is
 * refused before `JSON.parse` builds millions of nested arrays (a 20 MB "[[[[…" takes 10 s and 1 GB).
 */

/**
 * The container depth of JSON `text` when it exceeds `maxDepth`, else 0: one pass counting `[`/`{`
 * outside strings (escapes skipped), no recursion, stopping at the first level beyond `maxDepth`.
 * Malformed text is left to `JSON.parse` to report.
 */
export function jsonDepthBeyond(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > maxDepth) return depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return 0;
}
