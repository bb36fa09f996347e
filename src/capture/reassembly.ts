/**
 * One direction of a TCP byte stream put back in order from captured segments (RFC 793 sequence
 * numbers, which wrap at 2^32). Pure and bounded: out-of-order segments wait in a small list; when
 * it is full, or the receiver acknowledges bytes the capture never showed, or the stream ends with
 * a hole, the missing bytes are reported as a gap and delivery resumes after it. Retransmitted and
 * overlapping bytes are delivered once; a segment cut by the snap length delivers what was captured
 * and a gap for the rest.
 */

/** a - b in sequence space, as a signed 32-bit number (correct across the 2^32 wrap). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** Where a delivered piece of the stream was captured. */
export interface StreamPlace {
  frame: number;
  timeUs: number;
}

export type StreamOutput = ({ kind: 'data'; data: Buffer } | { kind: 'gap'; bytes: number; why: GapCause }) & StreamPlace;

/** Why bytes are missing: the capture lost them (seen by the later bytes or the peer's ACK), or the snap length cut them. */
export type GapCause = 'not-captured' | 'snap-length' | 'out-of-order-limit';

export interface ReassemblyLimits {
  /** Bytes waiting out of order at most; beyond, the hole before them is declared a gap. */
  maxPendingBytes: number;
  /** Segments waiting out of order at most (a flood of tiny segments must not grow the list). */
  maxPendingSegments: number;
}

export const CONTROL_REASSEMBLY_LIMITS: ReassemblyLimits = { maxPendingBytes: 256 * 1024, maxPendingSegments: 256 };

/** Bytes waiting out of order across every stream of a capture, and the most there may be. */
export interface SharedBudget {
  bytes: number;
  max: number;
}

interface Pending extends StreamPlace {
  seq: number;
  data: Buffer;
  wireLength: number;
}

export class StreamReassembler {
  private next: number | undefined;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  /** Segments whose bytes had all been delivered already (retransmissions, duplicates). */
  retransmitted = 0;

  constructor(
    private readonly limits: ReassemblyLimits = CONTROL_REASSEMBLY_LIMITS,
    /** Shared with the capture's other streams: thousands of streams each within its own limit must not add up unbounded. */
    private readonly shared: SharedBudget = { bytes: 0, max: Number.POSITIVE_INFINITY },
  ) {}

  /** The SYN's sequence number: the stream starts one after it. Ignored once the start is known. */
  start(initialSequence: number): void {
    if (this.next === undefined) this.next = seqAdd(initialSequence, 1);
  }

  /** A segment with `wireLength` payload bytes on the wire, of which `data` were captured. */
  push(seq: number, data: Buffer, wireLength: number, place: StreamPlace): StreamOutput[] {
    if (wireLength <= 0) return [];
    // A capture that starts mid-connection: the stream starts at the first segment seen.
    if (this.next === undefined) this.next = seq;
    const offset = seqDiff(seq, this.next);
    if (offset + wireLength <= 0) {
      this.retransmitted += 1;
      return [];
    }
    const segment: Pending = { seq, data, wireLength, ...place };
    // Copied when held: a reader's payload is a view into its whole read chunk, which must not stay alive.
    if (offset > 0) return this.hold({ ...segment, data: Buffer.from(data) });
    const out: StreamOutput[] = [];
    this.deliver(segment, out);
    this.drain(out);
    return out;
  }

  /**
   * The other side acknowledged up to `ack`: bytes before it were received, so any of them the
   * capture has not shown will never appear (the capture lost them). Said as a gap now, so the
   * stream goes on without waiting for the list to fill.
   */
  peerAcknowledged(ack: number, place: StreamPlace): StreamOutput[] {
    if (this.next === undefined || this.pending.length === 0) return [];
    const first = this.pending[0] as Pending;
    if (seqDiff(ack, first.seq) < 0) return [];
    const out: StreamOutput[] = [];
    this.skipTo(first.seq, 'not-captured', place, out);
    this.drain(out);
    return out;
  }

  /** The stream ended (or the capture did): whatever still waits is delivered after its gaps. */
  finish(place: StreamPlace): StreamOutput[] {
    const out: StreamOutput[] = [];
    while (this.pending.length > 0) {
      this.skipTo((this.pending[0] as Pending).seq, 'not-captured', place, out);
      this.drain(out);
    }
    return out;
  }

  /** Bytes waiting out of order (for tests of the bound). */
  get waitingBytes(): number {
    return this.pendingBytes;
  }

  private hold(segment: Pending): StreamOutput[] {
    // Sorted by sequence; the list is short (bounded), so a linear insert is enough.
    let index = this.pending.length;
    while (index > 0 && seqDiff((this.pending[index - 1] as Pending).seq, segment.seq) > 0) index -= 1;
    this.pending.splice(index, 0, segment);
    this.pendingBytes += segment.data.length;
    this.shared.bytes += segment.data.length;
    const out: StreamOutput[] = [];
    const over = (): boolean => this.pendingBytes > this.limits.maxPendingBytes || this.pending.length > this.limits.maxPendingSegments || this.shared.bytes > this.shared.max;
    while (this.pending.length > 0 && over()) {
      this.skipTo((this.pending[0] as Pending).seq, 'out-of-order-limit', segment, out);
      this.drain(out);
    }
    return out;
  }

  private skipTo(seq: number, why: GapCause, place: StreamPlace, out: StreamOutput[]): void {
    const next = this.next as number;
    const missing = seqDiff(seq, next);
    if (missing <= 0) return;
    out.push({ kind: 'gap', bytes: missing, why, frame: place.frame, timeUs: place.timeUs });
    this.next = seq;
  }

  private drain(out: StreamOutput[]): void {
    while (this.pending.length > 0) {
      const first = this.pending[0] as Pending;
      if (seqDiff(first.seq, this.next as number) > 0) return;
      this.pending.shift();
      this.pendingBytes -= first.data.length;
      this.shared.bytes -= first.data.length;
      if (seqDiff(seqAdd(first.seq, first.wireLength), this.next as number) > 0) this.deliver(first, out);
      else this.retransmitted += 1;
    }
  }

  /** `segment` starts at or before `next` and ends after it. */
  private deliver(segment: Pending, out: StreamOutput[]): void {
    const skip = seqDiff(this.next as number, segment.seq);
    const place = { frame: segment.frame, timeUs: segment.timeUs };
    if (skip < segment.data.length) out.push({ kind: 'data', data: segment.data.subarray(skip), ...place });
    const uncaptured = segment.wireLength - Math.max(skip, segment.data.length);
    if (uncaptured > 0) out.push({ kind: 'gap', bytes: uncaptured, why: 'snap-length', ...place });
    this.next = seqAdd(segment.seq, segment.wireLength);
  }
}
