/**
 * Errors the CLI reports as a plain message (no stack trace). Anything thrown by the library
 * is an Error with a message written for people; the CLI prints it as `dnnkit <command>: ...`.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parse `1x3x224x224` (or `3x224x224`, or `28x28`) into positive integers. */
export function parseDims(text: string, option: string): number[] {
  if (typeof text !== 'string' || !/^\s*\d+(\s*[x×,]\s*\d+)*\s*$/.test(text)) {
    throw new UsageError(`${option}: expected dimensions like 1x3x224x224, got '${text}'`);
  }
  const dims = text.split(/[x×,]/).map((s) => Number(s.trim()));
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 1 || d > 1_000_000) {
      throw new UsageError(`${option}: each dimension must be an integer from 1 to 1000000, got ${d} in '${text}'`);
    }
  }
  return dims;
}

/** Parse a positive integer option. */
export function parseIntOption(text: string, option: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`${option}: expected an integer from ${min} to ${max}, got '${text}'`);
  }
  return v;
}

/** Parse a finite number option. */
export function parseNumberOption(text: string, option: string, min = -Infinity, max = Infinity): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < min || v > max) {
    throw new UsageError(`${option}: expected a number${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''}, got '${text}'`);
  }
  return v;
}
