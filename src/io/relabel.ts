/**
 * Error re-labelling for functions built on other functions (browser-safe): the message names the
 * function the user called.
 */
/**
 * Runs `body` (e.g. a codec such as `parseNpy`), re-labelling its errors as coming from the caller
 * (a file wrapper or loader built on it): the prefix "`from`:" becomes "`to`:" and `suffix`, when
 * given, is appended. The error class (Error, RangeError, TypeError) is kept; non-Errors pass through.
 */
export function relabelErrors<T>(from: string, to: string, body: () => T, suffix = ""): T {
  try {
    return body();
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    const Ctor = err instanceof RangeError ? RangeError : err instanceof TypeError ? TypeError : Error;
    throw new Ctor(`${err.message.replace(new RegExp(`^${from}:`), `${to}:`)}${suffix}`);
  }
}
