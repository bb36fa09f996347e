/**
 * pcapng: a sequence of blocks (type, length, body, length again). A Section Header Block starts
 * each section and fixes its byte order; Interface Description Blocks give each interface its link
 * type, snap length and timestamp resolution; packets come in Enhanced, Simple and (obsolete)
 * Packet Blocks. Every other block, and every option we do not need, is skipped by its length.
 */
import { PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_SHB_TYPE } from './detect.js';
import { MalformedCapture } from './errors.js';
import { MAX_RECORD_BYTES, type RawFrame, type RecordParser } from './frame.js';
import { DEFAULT_RESOLUTION, resolutionFromOption, timestampToUs, type TimeResolution } from './timestamp.js';
import type { ByteWindow } from './window.js';

const BLOCK = { interface: 1, packet: 2, simplePacket: 3, enhancedPacket: 6 } as const;
/** Smallest legal length of each block we read (header, fixed fields, trailing length). */
const MIN_LENGTH: Record<number, number> = { [PCAPNG_SHB_TYPE]: 28, 1: 20, 2: 32, 3: 16, 6: 32 };
const OPTION = { end: 0, tsresol: 9, tsoffset: 14 } as const;

interface Interface {
  linkType: number;
  snapLength: number;
  resolution: TimeResolution;
}

export class PcapngParser implements RecordParser {
  private littleEndian = true;
  private interfaces: Interface[] = [];
  private sectionSeen = false;
  private frameNumber = 0;
  private lastTimeUs = 0;

  constructor(private readonly window: ByteWindow) {}

  next(frame: RawFrame): boolean {
    const window = this.window;
    // Bounded: each pass consumes one whole block (at least 12 bytes) or returns.
    for (;;) {
      if (window.available === 0) return this.stop(0);
      if (window.available < 12) return this.stop(12);
      const { buffer, position } = window;
      let type = this.u32(buffer, position);
      if (type === PCAPNG_SHB_TYPE) this.readByteOrder(buffer, position);
      else if (!this.sectionSeen) throw new MalformedCapture(window.offset, `pcapng must start with a Section Header Block, found block type 0x${type.toString(16)}`);
      type = this.u32(buffer, position);
      const length = this.u32(buffer, position + 4);
      this.checkLength(type, length);
      if (window.available < length) return this.stop(length);
      const trailer = this.u32(buffer, position + length - 4);
      if (trailer !== length) throw new MalformedCapture(window.offset, `block of type 0x${type.toString(16)}: its trailing length ${trailer} differs from its length ${length}`);
      const isPacket = this.readBlock(type, buffer, position, length, frame);
      window.position += length;
      if (isPacket) return true;
    }
  }

  private stop(bytes: number): false {
    this.window.need(bytes);
    return false;
  }

  private u32(buffer: Buffer, at: number): number {
    return this.littleEndian ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
  }

  private u16(buffer: Buffer, at: number): number {
    return this.littleEndian ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at);
  }

  private readByteOrder(buffer: Buffer, at: number): void {
    const magic = buffer.readUInt32LE(at + 8);
    if (magic === PCAPNG_BYTE_ORDER_MAGIC) this.littleEndian = true;
    else if (buffer.readUInt32BE(at + 8) === PCAPNG_BYTE_ORDER_MAGIC) this.littleEndian = false;
    else throw new MalformedCapture(this.window.offset, `Section Header Block with an unknown byte-order magic 0x${buffer.readUInt32BE(at + 8).toString(16)}`);
  }

  private checkLength(type: number, length: number): void {
    const minimum = MIN_LENGTH[type] ?? 12;
    const name = `block of type 0x${type.toString(16)}`;
    if (length < minimum) throw new MalformedCapture(this.window.offset, `${name}: length ${length} is below the minimum ${minimum}`);
    if (length % 4 !== 0) throw new MalformedCapture(this.window.offset, `${name}: length ${length} is not a multiple of 4`);
    if (length > MAX_RECORD_BYTES) throw new MalformedCapture(this.window.offset, `${name}: length ${length} is absurd (over ${MAX_RECORD_BYTES} bytes)`);
  }

  /** Returns true when the block was a packet (and `frame` now describes it). */
  private readBlock(type: number, buffer: Buffer, at: number, length: number, frame: RawFrame): boolean {
    switch (type) {
      case PCAPNG_SHB_TYPE:
        this.sectionSeen = true;
        this.interfaces = [];
        return false;
      case BLOCK.interface:
        this.interfaces.push(this.readInterface(buffer, at, length));
        return false;
      case BLOCK.enhancedPacket:
      case BLOCK.packet: {
        const interfaceId = type === BLOCK.packet ? this.u16(buffer, at + 8) : this.u32(buffer, at + 8);
        const captured = this.u32(buffer, at + 20);
        if (captured > length - 32) throw new MalformedCapture(this.window.offset, `packet block claims ${captured} captured bytes in a block of ${length}`);
        const face = this.interfaceOf(interfaceId);
        const timeUs = timestampToUs(this.u32(buffer, at + 12), this.u32(buffer, at + 16), face.resolution);
        return this.fill(frame, face, interfaceId, timeUs, buffer, at + 28, captured, this.u32(buffer, at + 24));
      }
      case BLOCK.simplePacket: {
        const face = this.interfaceOf(0);
        const wire = this.u32(buffer, at + 8);
        let captured = Math.min(wire, length - 16);
        if (face.snapLength > 0) captured = Math.min(captured, face.snapLength);
        // A Simple Packet Block has no time: the previous packet's is the best there is.
        return this.fill(frame, face, 0, this.lastTimeUs, buffer, at + 12, captured, wire);
      }
      default:
        return false;
    }
  }

  private fill(frame: RawFrame, face: Interface, interfaceId: number, timeUs: number, buffer: Buffer, start: number, captured: number, wire: number): true {
    this.frameNumber += 1;
    this.lastTimeUs = timeUs;
    frame.frame = this.frameNumber;
    frame.timeUs = timeUs;
    frame.interfaceId = interfaceId;
    frame.linkType = face.linkType;
    frame.buffer = buffer;
    frame.start = start;
    frame.end = start + captured;
    frame.wireLength = Math.max(wire, captured);
    frame.offset = this.window.offset;
    return true;
  }

  private interfaceOf(id: number): Interface {
    const face = this.interfaces[id];
    if (!face) throw new MalformedCapture(this.window.offset, `packet on interface ${id}, but this section describes ${this.interfaces.length} interface(s)`);
    return face;
  }

  private readInterface(buffer: Buffer, at: number, length: number): Interface {
    const linkType = this.u16(buffer, at + 8);
    const snapLength = this.u32(buffer, at + 12);
    let tsresol: number | undefined;
    let offsetSeconds = 0;
    const end = at + length - 4;
    // Options: code, length, value padded to 4. Each step moves at least 4 bytes: bounded.
    for (let option = at + 16; option + 4 <= end; ) {
      const code = this.u16(buffer, option);
      const size = this.u16(buffer, option + 2);
      if (code === OPTION.end) break;
      const value = option + 4;
      if (value + size > end) throw new MalformedCapture(this.window.offset + (option - at), `interface option ${code} of ${size} bytes runs past its block`);
      if (code === OPTION.tsresol && size >= 1) tsresol = buffer[value];
      if (code === OPTION.tsoffset && size >= 8) {
        const high = this.u32(buffer, this.littleEndian ? value + 4 : value);
        const low = this.u32(buffer, this.littleEndian ? value : value + 4);
        offsetSeconds = (high | 0) * 4294967296 + low;
      }
      option = value + ((size + 3) & ~3);
    }
    const resolution = tsresol === undefined ? { ...DEFAULT_RESOLUTION, offsetSeconds } : resolutionFromOption(tsresol, offsetSeconds);
    return { linkType, snapLength, resolution };
  }
}
