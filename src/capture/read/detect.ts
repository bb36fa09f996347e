import { isGzip } from '../../io/gzip.js';

/** Capture formats told apart by their magic numbers (never by the file name). */
export type CaptureFormat = 'pcap' | 'pcapng' | 'gzip';

/** pcap's magic in both byte orders, microsecond (a1b2c3d4) and nanosecond (a1b23c4d) timestamps. */
const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
/** pcapng's Section Header Block type: the same in both byte orders. */
export const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
/** Written in the SHB's own byte order: tells which one the section uses. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export function detectCaptureFormat(head: Buffer): CaptureFormat | undefined {
  if (isGzip(head)) return 'gzip';
  if (head.length < 4) return undefined;
  const first = head.readUInt32BE(0);
  if (PCAP_MAGICS.has(first)) return 'pcap';
  if (first === PCAPNG_SHB_TYPE) {
    // A text file can start with "\n\r\r\n" too: require the byte-order magic when it is there to see.
    if (head.length < 12) return 'pcapng';
    const order = head.readUInt32BE(8);
    return order === PCAPNG_BYTE_ORDER_MAGIC || order === 0x4d3c2b1a ? 'pcapng' : undefined;
  }
  return undefined;
}
