/**
 * Removing the Authenticode signature from a Windows PE file, as `signtool remove /s` does. The
 * registry's node.exe is signed by the Node.js project; injecting the CLI makes that signature
 * invalid, and an invalid signature is treated worse than none (browsers and SmartScreen can block
 * a file whose signature is "corrupt"). Unsigned, the executable is an ordinary unsigned program.
 * Pure: bytes in, bytes out.
 */

/** Where the certificate table's directory entry is, and the header checksum. */
interface PeLayout {
  securityEntry: number;
  checksum: number;
}

export class NotAPeFile extends Error {}

function layout(pe: Buffer): PeLayout {
  if (pe.length < 0x40 || pe.toString('latin1', 0, 2) !== 'MZ') throw new NotAPeFile('no MZ header');
  const header = pe.readUInt32LE(0x3c);
  if (header + 24 > pe.length || pe.toString('latin1', header, header + 4) !== 'PE\0\0') throw new NotAPeFile('no PE header');
  const optional = header + 24;
  const magic = pe.readUInt16LE(optional);
  if (magic !== 0x10b && magic !== 0x20b) throw new NotAPeFile(`unknown optional header magic 0x${magic.toString(16)}`);
  // PE32 and PE32+ differ in where the data directories start (and their count is just before).
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const count = pe.readUInt32LE(directories - 4);
  if (count <= 4 || directories + 5 * 8 > pe.length) throw new NotAPeFile('no certificate table directory');
  return { securityEntry: directories + 4 * 8, checksum: optional + 64 };
}

/** The file without its certificate table; the file itself when it has none. */
export function withoutAuthenticodeSignature(pe: Buffer): Buffer {
  const { securityEntry, checksum } = layout(pe);
  // For the certificate table the "virtual address" is a file offset.
  const offset = pe.readUInt32LE(securityEntry);
  const size = pe.readUInt32LE(securityEntry + 4);
  if (offset === 0 && size === 0) return pe;
  // It is the file's last part in every signed PE; anything else is not a file this knows.
  if (offset + size !== pe.length) throw new NotAPeFile(`the certificate table (${offset}+${size}) is not at the end of the file (${pe.length})`);
  const stripped = Buffer.from(pe.subarray(0, offset));
  stripped.writeUInt32LE(0, securityEntry);
  stripped.writeUInt32LE(0, securityEntry + 4);
  // The checksum covered the certificate-table entry; Windows checks it only for drivers, 0 says "none".
  stripped.writeUInt32LE(0, checksum);
  return stripped;
}
