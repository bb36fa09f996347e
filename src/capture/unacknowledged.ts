/**
 * The client's last bytes on a control connection, and whether the server ever acknowledged them
 * (pure, a few numbers). A command sent again and again and never acknowledged, typically after a
 * long idle time, is a control connection cut on the way: a NAT or firewall that forgot it (the
 * conntrack idle timeout), or a server gone. Works on encrypted channels too: it reads only sequence
 * numbers.
 */
import { seqAdd, seqDiff, type StreamPlace } from './reassembly.js';

export interface UnacknowledgedReading {
  /** Where the unacknowledged bytes were first sent. */
  first: StreamPlace;
  /** How many times they were sent (1 + retransmissions). */
  sends: number;
  /** The connection was quiet this long before them (ms). */
  idleBeforeMs: number;
}

export class UnacknowledgedTail {
  private end: number | undefined;
  private acked: number | undefined;
  private sends = 0;
  private first: StreamPlace | undefined;
  private idleBeforeUs = 0;

  /** The client sent `length` bytes at `seq`; the connection's previous packet was at `previousUs`. */
  sent(seq: number, length: number, place: StreamPlace, previousUs: number): void {
    if (length <= 0) return;
    const end = seqAdd(seq, length);
    if (this.end === undefined || seqDiff(end, this.end) > 0) {
      this.end = end;
      this.sends = 1;
      this.first = place;
      this.idleBeforeUs = Math.max(0, place.timeUs - previousUs);
    } else if (seqDiff(end, this.end) === 0) {
      this.sends += 1;
    }
  }

  /** The server acknowledged up to `ack`. */
  acknowledged(ack: number): void {
    if (this.acked === undefined || seqDiff(ack, this.acked) > 0) this.acked = ack;
  }

  /** The last bytes, when they were retransmitted and never acknowledged. */
  reading(): UnacknowledgedReading | undefined {
    if (this.end === undefined || this.first === undefined || this.sends < 2) return undefined;
    if (this.acked !== undefined && seqDiff(this.end, this.acked) <= 0) return undefined;
    return { first: this.first, sends: this.sends, idleBeforeMs: Math.round(this.idleBeforeUs / 1000) };
  }
}
