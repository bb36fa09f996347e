/**
 * IP fragment reassembly, bounded: at most `maxSets` sets and `maxBytes` bytes pending, a set
 * older than `timeoutUs` (capture time) given up. A set given up, evicted, or left at the end is
 * said as a 'skipped' item naming its first frame: a capture must never hide that it lost packets.
 * Fragment bytes are copied (they are few) so that a pending set does not hold a read chunk alive.
 */
import type { CaptureItem } from '../segment.js';

export interface FragmentLimits {
  maxSets: number;
  maxBytes: number;
  timeoutUs: number;
}

export const DEFAULT_FRAGMENT_LIMITS: FragmentLimits = { maxSets: 64, maxBytes: 4 * 1024 * 1024, timeoutUs: 30_000_000 };

/** IPv4 and IPv6 payloads are at most 65,535 bytes (jumbograms are not fragmented). */
const MAX_REASSEMBLED = 65_535;

interface FragmentSet {
  label: string;
  firstFrame: number;
  firstTimeUs: number;
  parts: { offset: number; data: Buffer }[];
  bytes: number;
  /** Known once the last fragment (more-fragments clear) arrived. */
  total: number | undefined;
  cut: boolean;
}

export interface Fragment {
  /** Identifies the set: addresses, protocol and IP identification. */
  key: string;
  /** For messages: "IPv4 10.0.0.1 → 10.0.0.2 id 0x1234". */
  label: string;
  frame: number;
  timeUs: number;
  offset: number;
  more: boolean;
  data: Buffer;
  /** The snap length cut this fragment: the set can never be whole. */
  cut: boolean;
}

export class FragmentStore {
  private readonly sets = new Map<string, FragmentSet>();
  private bytes = 0;

  constructor(private readonly limits: FragmentLimits = DEFAULT_FRAGMENT_LIMITS) {}

  get pending(): number {
    return this.sets.size;
  }

  /** Adds a fragment; returns the reassembled payload when this one completed its set. */
  add(fragment: Fragment, out: CaptureItem[]): Buffer | undefined {
    this.expire(fragment.timeUs, out);
    if (fragment.offset + fragment.data.length > MAX_REASSEMBLED) {
      out.push({ kind: 'skipped', frame: fragment.frame, reason: `${fragment.label}: fragment at offset ${fragment.offset} runs past 65,535 bytes` });
      return undefined;
    }
    let set = this.sets.get(fragment.key);
    if (!set) {
      set = { label: fragment.label, firstFrame: fragment.frame, firstTimeUs: fragment.timeUs, parts: [], bytes: 0, total: undefined, cut: false };
      this.sets.set(fragment.key, set);
    }
    set.parts.push({ offset: fragment.offset, data: Buffer.from(fragment.data) });
    set.bytes += fragment.data.length;
    this.bytes += fragment.data.length;
    set.cut ||= fragment.cut;
    if (!fragment.more) set.total = fragment.offset + fragment.data.length;
    const whole = this.assemble(set);
    if (whole) {
      this.drop(fragment.key, set);
      return whole;
    }
    this.enforceLimits(out);
    return undefined;
  }

  /** Sets still pending when the capture ends. */
  finish(out: CaptureItem[]): void {
    for (const [key, set] of this.sets) this.giveUp(key, set, 'the capture ended before all its fragments arrived', out);
  }

  private assemble(set: FragmentSet): Buffer | undefined {
    if (set.total === undefined || set.cut) return undefined;
    set.parts.sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const part of set.parts) {
      if (part.offset > covered) return undefined;
      covered = Math.max(covered, part.offset + part.data.length);
    }
    if (covered < set.total) return undefined;
    const whole = Buffer.alloc(set.total);
    // Sorted by offset: where fragments overlap, the later one's bytes win (as Linux does).
    for (const part of set.parts) part.data.copy(whole, part.offset, 0, Math.min(part.data.length, set.total - part.offset));
    return whole;
  }

  private expire(nowUs: number, out: CaptureItem[]): void {
    if (this.sets.size === 0) return;
    for (const [key, set] of this.sets) {
      if (nowUs - set.firstTimeUs <= this.limits.timeoutUs) break; // insertion order = oldest first
      this.giveUp(key, set, `still incomplete after ${this.limits.timeoutUs / 1e6} s`, out);
    }
  }

  private enforceLimits(out: CaptureItem[]): void {
    for (const [key, set] of this.sets) {
      if (this.sets.size <= this.limits.maxSets && this.bytes <= this.limits.maxBytes) break;
      this.giveUp(key, set, `dropped to bound memory (more than ${this.limits.maxSets} sets or ${this.limits.maxBytes} bytes of fragments pending)`, out);
    }
  }

  private giveUp(key: string, set: FragmentSet, why: string, out: CaptureItem[]): void {
    this.drop(key, set);
    const cut = set.cut ? ' (a fragment was cut by the snap length)' : '';
    out.push({ kind: 'skipped', frame: set.firstFrame, reason: `${set.label}: fragments not reassembled, ${why}${cut}` });
  }

  private drop(key: string, set: FragmentSet): void {
    this.sets.delete(key);
    this.bytes -= set.bytes;
  }
}
