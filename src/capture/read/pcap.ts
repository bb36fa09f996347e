/**
 * Classic pcap (libpcap's file format): a 24-byte file header, then 16-byte record headers each
 * followed by the captured bytes. Byte order and µs/ns timestamps come from the magic number.
 */
import { MalformedCapture } from './errors.js';
import { MAX_RECORD_BYTES, type RawFrame, type RecordParser } from './frame.js';
import type { ByteWindow } from './window.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's own ceiling for a record when the snap length says less (MAXIMUM_SNAPLEN). */
const LIBPCAP_MAX_SNAPLEN = 262144;

export class PcapParser implements RecordParser {
  private littleEndian = false;
  private nanoseconds = false;
  private linkType = 0;
  private maxCaptured = LIBPCAP_MAX_SNAPLEN;
  private headerRead = false;
  private frameNumber = 0;

  constructor(private readonly window: ByteWindow) {}

  next(frame: RawFrame): boolean {
    const window = this.window;
    if (!this.headerRead) {
      if (window.available < FILE_HEADER) return this.stop(FILE_HEADER);
      this.readFileHeader();
    }
    if (window.available < RECORD_HEADER) return this.stop(window.available === 0 ? 0 : RECORD_HEADER);
    const buffer = window.buffer;
    const at = window.position;
    const le = this.littleEndian;
    const seconds = le ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
    const fraction = le ? buffer.readUInt32LE(at + 4) : buffer.readUInt32BE(at + 4);
    const captured = le ? buffer.readUInt32LE(at + 8) : buffer.readUInt32BE(at + 8);
    const wire = le ? buffer.readUInt32LE(at + 12) : buffer.readUInt32BE(at + 12);
    if (captured > this.maxCaptured) {
      throw new MalformedCapture(window.offset, `record ${this.frameNumber + 1} claims ${captured} captured bytes, more than the snap length allows (${this.maxCaptured}): the file is corrupt`);
    }
    if (window.available < RECORD_HEADER + captured) return this.stop(RECORD_HEADER + captured);
    this.frameNumber += 1;
    frame.frame = this.frameNumber;
    frame.timeUs = seconds * 1e6 + (this.nanoseconds ? Math.floor(fraction / 1000) : fraction);
    frame.interfaceId = 0;
    frame.linkType = this.linkType;
    frame.buffer = buffer;
    frame.start = at + RECORD_HEADER;
    frame.end = at + RECORD_HEADER + captured;
    frame.wireLength = Math.max(wire, captured);
    frame.offset = window.offset;
    window.position = frame.end;
    return true;
  }

  private stop(bytes: number): false {
    this.window.need(bytes);
    return false;
  }

  private readFileHeader(): void {
    const { buffer, position } = this.window;
    const magic = buffer.readUInt32BE(position);
    this.littleEndian = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
    this.nanoseconds = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
    if (!this.littleEndian && magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) {
      throw new MalformedCapture(this.window.offset, `not a pcap file (magic ${magic.toString(16).padStart(8, '0')})`);
    }
    const read = (at: number) => (this.littleEndian ? buffer.readUInt32LE(position + at) : buffer.readUInt32BE(position + at));
    const snapLength = read(16);
    // The upper bits carry the FCS length (LINKTYPE_FCS): only the low 28 are the link type.
    this.linkType = read(20) & 0x0fffffff;
    this.maxCaptured = Math.min(MAX_RECORD_BYTES, Math.max(snapLength, LIBPCAP_MAX_SNAPLEN));
    this.headerRead = true;
    this.window.position += FILE_HEADER;
  }
}
