/** Test helper: pcap and pcapng files from packets (see writer.ts for the packets). */

export interface Record {
  timeUs: number;
  data: Buffer;
  /** Length on the wire when the record is cut (caplen < len). */
  wireLength?: number;
}

export interface PcapSpec {
  bigEndian?: boolean;
  nanoseconds?: boolean;
  linkType: number;
  snapLength?: number;
  records: Record[];
}

function writer(bigEndian: boolean) {
  return {
    u16: (value: number) => {
      const out = Buffer.alloc(2);
      if (bigEndian) out.writeUInt16BE(value);
      else out.writeUInt16LE(value);
      return out;
    },
    u32: (value: number) => {
      const out = Buffer.alloc(4);
      if (bigEndian) out.writeUInt32BE(value >>> 0);
      else out.writeUInt32LE(value >>> 0);
      return out;
    },
  };
}

export function pcapFile(spec: PcapSpec): Buffer {
  const { u16, u32 } = writer(spec.bigEndian ?? false);
  const magic = spec.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4;
  const parts: Buffer[] = [u32(magic), u16(2), u16(4), u32(0), u32(0), u32(spec.snapLength ?? 262144), u32(spec.linkType)];
  for (const record of spec.records) {
    const seconds = Math.floor(record.timeUs / 1e6);
    const micro = record.timeUs - seconds * 1e6;
    parts.push(u32(seconds), u32(spec.nanoseconds ? micro * 1000 : micro), u32(record.data.length), u32(record.wireLength ?? record.data.length), record.data);
  }
  return Buffer.concat(parts);
}

/** pcapng blocks in one byte order; concatenate sections' blocks into a file. */
export function pcapngBlocks(bigEndian = false) {
  const { u16, u32 } = writer(bigEndian);
  const pad = (data: Buffer) => Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
  const option = (code: number, value: Buffer) => Buffer.concat([u16(code), u16(value.length), pad(value)]);
  const options = (list: Buffer[]) => (list.length === 0 ? Buffer.alloc(0) : Buffer.concat([...list, u32(0)]));
  const block = (type: number, body: Buffer) => {
    const length = 12 + body.length;
    return Buffer.concat([u32(type), u32(length), body, u32(length)]);
  };
  return {
    option,
    comment: (text: string) => option(1, Buffer.from(text)),
    block,
    section: (opts: Buffer[] = []) => block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), u32(0xffffffff), u32(0xffffffff), options(opts)])),
    interface: (linkType: number, extra: { snapLength?: number; tsresol?: number; tsoffset?: number; options?: Buffer[] } = {}) => {
      const list = [...(extra.options ?? [])];
      if (extra.tsresol !== undefined) list.push(option(9, Buffer.from([extra.tsresol])));
      if (extra.tsoffset !== undefined) {
        const value = Buffer.alloc(8);
        if (bigEndian) value.writeBigInt64BE(BigInt(extra.tsoffset));
        else value.writeBigInt64LE(BigInt(extra.tsoffset));
        list.push(option(14, value));
      }
      return block(1, Buffer.concat([u16(linkType), u16(0), u32(extra.snapLength ?? 0), options(list)]));
    },
    /** `units` is the timestamp in the interface's resolution, as a bigint. */
    enhanced: (interfaceId: number, units: bigint, data: Buffer, extra: { wireLength?: number; options?: Buffer[] } = {}) =>
      block(6, Buffer.concat([u32(interfaceId), u32(Number(units >> 32n)), u32(Number(units & 0xffffffffn)), u32(data.length), u32(extra.wireLength ?? data.length), pad(data), options(extra.options ?? [])])),
    simple: (data: Buffer, wireLength = data.length) => block(3, Buffer.concat([u32(wireLength), pad(data)])),
    packet: (interfaceId: number, units: bigint, data: Buffer) =>
      block(2, Buffer.concat([u16(interfaceId), u16(0), u32(Number(units >> 32n)), u32(Number(units & 0xffffffffn)), u32(data.length), u32(data.length), pad(data)])),
    /** Interface Statistics Block: how many packets the interface says it received. */
    statistics: (interfaceId: number, received: bigint) =>
      block(5, Buffer.concat([u32(interfaceId), u32(0), u32(0), option(4, (() => { const v = Buffer.alloc(8); if (bigEndian) v.writeBigUInt64BE(received); else v.writeBigUInt64LE(received); return v; })()), u32(0)])),
  };
}
