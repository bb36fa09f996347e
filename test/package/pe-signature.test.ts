/** Removing a PE file's Authenticode signature (scripts/package/pe-signature.ts), on synthetic PE headers. */
import { describe, expect, it } from 'vitest';
import { NotAPeFile, withoutAuthenticodeSignature } from '../../scripts/package/pe-signature.js';

const HEADER = 0x80;

/** A PE32+ (or PE32) skeleton: MZ, e_lfanew, "PE\0\0", an optional header with 16 data directories, a body, and maybe a certificate table at the end. */
function pe(options: { magic?: number; certificate?: Buffer; certificateAt?: 'end' | 'middle' } = {}): Buffer {
  const magic = options.magic ?? 0x20b;
  const optional = HEADER + 24;
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const body = Buffer.alloc(directories + 16 * 8 + 256, 0x90);
  body.write('MZ', 0, 'latin1');
  body.writeUInt32LE(HEADER, 0x3c);
  body.write('PE\0\0', HEADER, 'latin1');
  body.writeUInt16LE(magic, optional);
  body.writeUInt32LE(0x1234abcd, optional + 64);
  body.writeUInt32LE(16, directories - 4);
  if (!options.certificate) {
    body.fill(0, directories + 32, directories + 40);
    return body;
  }
  const offset = options.certificateAt === 'middle' ? directories + 16 * 8 : body.length;
  body.writeUInt32LE(offset, directories + 32);
  body.writeUInt32LE(options.certificate.length, directories + 36);
  return Buffer.concat([body, options.certificate]);
}

const certificate = Buffer.alloc(64, 0xcc);
const securityEntry = (magic: number) => HEADER + 24 + (magic === 0x20b ? 112 : 96) + 32;

describe('withoutAuthenticodeSignature', () => {
  it.each([
    ['PE32+', 0x20b],
    ['PE32', 0x10b],
  ])('%s: the certificate table goes, its directory entry and the checksum are zeroed', (_name, magic) => {
    const signed = pe({ magic, certificate });
    const stripped = withoutAuthenticodeSignature(signed);
    expect(stripped.length).toBe(signed.length - certificate.length);
    expect(stripped.includes(certificate)).toBe(false);
    expect(stripped.readUInt32LE(securityEntry(magic))).toBe(0);
    expect(stripped.readUInt32LE(securityEntry(magic) + 4)).toBe(0);
    expect(stripped.readUInt32LE(HEADER + 24 + 64)).toBe(0);
    // Everything else is byte for byte the same.
    const expected = Buffer.from(signed.subarray(0, stripped.length));
    expected.fill(0, securityEntry(magic), securityEntry(magic) + 8);
    expected.writeUInt32LE(0, HEADER + 24 + 64);
    expect(stripped.equals(expected)).toBe(true);
  });

  it('an unsigned file comes back as it is', () => {
    const unsigned = pe();
    expect(withoutAuthenticodeSignature(unsigned)).toBe(unsigned);
  });

  it.each([
    ['not MZ', Buffer.alloc(512)],
    ['MZ without PE', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(510)])],
    ['unknown optional header', pe({ magic: 0x107 })],
    ['certificate table not at the end', pe({ certificate, certificateAt: 'middle' })],
  ])('refuses %s', (_name, file) => {
    expect(() => withoutAuthenticodeSignature(file)).toThrow(NotAPeFile);
  });
});
