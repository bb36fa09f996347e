/**
 * pcapng timestamps: a 64-bit count of units (10^-k or 2^-k seconds, if_tsresol) split in two
 * 32-bit halves, folded to microseconds since the epoch without losing precision in a double.
 */

/** How to turn one interface's (high, low) into µs. */
export interface TimeResolution {
  /** 10 or 2. */
  base: 10 | 2;
  exponent: number;
  /** if_tsoffset, in seconds. */
  offsetSeconds: number;
}

export const DEFAULT_RESOLUTION: TimeResolution = { base: 10, exponent: 6, offsetSeconds: 0 };

const TWO_32 = 4294967296;

/** if_tsresol's byte: high bit clear = 10^-x, set = 2^-x. */
export function resolutionFromOption(value: number, offsetSeconds = 0): TimeResolution {
  return value & 0x80 ? { base: 2, exponent: value & 0x7f, offsetSeconds } : { base: 10, exponent: value, offsetSeconds };
}

export function timestampToUs(high: number, low: number, resolution: TimeResolution): number {
  const offsetUs = resolution.offsetSeconds * 1e6;
  const { base, exponent } = resolution;
  if (base === 10) {
    if (exponent === 6) return high * TWO_32 + low + offsetUs;
    if (exponent > 6 && exponent <= 15) {
      // (high·2^32 + low) / d, exactly: divide high first and carry its remainder into low.
      const divisor = 10 ** (exponent - 6);
      const highQuotient = Math.floor(high / divisor);
      const highRemainder = high - highQuotient * divisor;
      return highQuotient * TWO_32 + Math.floor((highRemainder * TWO_32 + low) / divisor) + offsetUs;
    }
    if (exponent < 6) return (high * TWO_32 + low) * 10 ** (6 - exponent) + offsetUs;
    return Number(((BigInt(high) << 32n) | BigInt(low)) / 10n ** BigInt(exponent - 6)) + offsetUs;
  }
  if (exponent <= 32) {
    const units = 2 ** exponent;
    const seconds = high * (TWO_32 / units) + Math.floor(low / units);
    const fraction = low % units;
    return seconds * 1e6 + Math.floor((fraction * 1e6) / units) + offsetUs;
  }
  const value = (BigInt(high) << 32n) | BigInt(low);
  return Number((value * 1_000_000n) >> BigInt(exponent)) + offsetUs;
}
