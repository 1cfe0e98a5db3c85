/**
 * A PE executable header and nothing else, for the phony Windows disks' System32\cmd.exe:
 * libguestfs inspection tells a Windows guest's architecture from that file's PE machine type
 * (`file` reads "PE32+ executable ... x86-64"). It does not run.
 */
export function peStub(arch: 'x86_64' | 'i386'): Buffer {
  const b = Buffer.alloc(1024);
  b.write('MZ', 0, 'latin1');
  const PE = 0x80;
  b.writeUInt32LE(PE, 0x3c); // e_lfanew
  b.write('PE\0\0', PE, 'latin1');
  const is64 = arch === 'x86_64';
  b.writeUInt16LE(is64 ? 0x8664 : 0x14c, PE + 4); // Machine
  b.writeUInt16LE(1, PE + 6); // NumberOfSections
  const optSize = is64 ? 0xf0 : 0xe0;
  b.writeUInt16LE(optSize, PE + 20); // SizeOfOptionalHeader
  b.writeUInt16LE(is64 ? 0x0022 : 0x0102, PE + 22); // Characteristics: executable (large-address-aware / 32-bit)
  const opt = PE + 24;
  b.writeUInt16LE(is64 ? 0x20b : 0x10b, opt); // Magic: PE32+ / PE32
  b.writeUInt16LE(3, opt + (is64 ? 68 : 68)); // Subsystem: Windows console
  b.writeUInt32LE(16, opt + (is64 ? 108 : 92)); // NumberOfRvaAndSizes
  const sect = opt + optSize;
  b.write('.text', sect, 'latin1');
  return b;
}
