/**
 * An empty Windows registry hive file (regf), written from the format's description, for the lab's
 * phony Windows disks: hivexregedit --merge fills it from a .reg file (hivex cannot create a hive).
 * Layout: a 4 KiB base block ("regf", sequence numbers, root cell offset, checksum), then one
 * 4 KiB hive bin ("hbin") holding the root key (nk, named like Windows' own roots), its security
 * key (sk, a self-relative descriptor with no owner, group or ACL) and one free cell for the rest.
 */
const BLOCK = 0x1000;

export function emptyHive(name = 'SYSTEM'): Buffer {
  const b = Buffer.alloc(2 * BLOCK);
  const filetime = 0x01d0_0000_0000_0000n; // any FILETIME; hivex does not check it
  // --- base block ---
  b.write('regf', 0, 'latin1');
  b.writeUInt32LE(1, 0x04); // primary sequence number
  b.writeUInt32LE(1, 0x08); // secondary sequence number (equal: the hive is consistent)
  b.writeBigUInt64LE(filetime, 0x0c);
  b.writeUInt32LE(1, 0x14); // major version
  b.writeUInt32LE(3, 0x18); // minor version (NT 4.0 and later)
  b.writeUInt32LE(0, 0x1c); // file type: primary
  b.writeUInt32LE(1, 0x20); // format: direct memory load
  const ROOT = 0x20; // the root cell, relative to the first hbin
  b.writeUInt32LE(ROOT, 0x24);
  b.writeUInt32LE(BLOCK, 0x28); // size of the hive bins
  b.writeUInt32LE(1, 0x2c); // clustering factor
  b.write(`\\??\\C:\\Windows\\System32\\config\\${name}`.slice(0, 31), 0x30, 'utf16le');
  let sum = 0;
  for (let o = 0; o < 0x1fc; o += 4) sum = (sum ^ b.readUInt32LE(o)) >>> 0;
  b.writeUInt32LE(sum, 0x1fc);
  // --- hive bin ---
  const H = BLOCK;
  b.write('hbin', H, 'latin1');
  b.writeUInt32LE(0, H + 4); // offset of this bin
  b.writeUInt32LE(BLOCK, H + 8); // size of this bin
  b.writeBigUInt64LE(filetime, H + 0x14);
  // root key (nk), cell at hbin offset ROOT
  const SK = 0x80;
  const rootName = 'ROOT';
  let c = H + ROOT;
  b.writeInt32LE(-(SK - ROOT), c); // allocated cell: negative size
  b.write('nk', c + 4, 'latin1');
  b.writeUInt16LE(0x2c, c + 6); // KEY_HIVE_ENTRY | KEY_NO_DELETE | KEY_COMP_NAME
  b.writeBigUInt64LE(filetime, c + 8);
  b.writeUInt32LE(0xffffffff, c + 0x14); // parent: none
  b.writeUInt32LE(0, c + 0x18); // subkeys
  b.writeUInt32LE(0, c + 0x1c); // volatile subkeys
  b.writeUInt32LE(0xffffffff, c + 0x20); // subkey list
  b.writeUInt32LE(0xffffffff, c + 0x24); // volatile subkey list
  b.writeUInt32LE(0, c + 0x28); // values
  b.writeUInt32LE(0xffffffff, c + 0x2c); // value list
  b.writeUInt32LE(SK, c + 0x30); // security key
  b.writeUInt32LE(0xffffffff, c + 0x34); // class name
  b.writeUInt16LE(rootName.length, c + 0x4c);
  b.write(rootName, c + 0x50, 'latin1');
  // security key (sk): a list of one, pointing at itself
  c = H + SK;
  const descriptor = Buffer.alloc(20);
  descriptor.writeUInt8(1, 0); // revision
  descriptor.writeUInt16LE(0x8000, 2); // SE_SELF_RELATIVE; owner, group, SACL, DACL offsets 0
  const skSize = 0x18 + descriptor.length; // header + descriptor, 8-byte aligned below
  const skCell = (skSize + 7) & ~7;
  b.writeInt32LE(-skCell, c);
  b.write('sk', c + 4, 'latin1');
  b.writeUInt32LE(SK, c + 8); // flink
  b.writeUInt32LE(SK, c + 0x0c); // blink
  b.writeUInt32LE(1, c + 0x10); // reference count
  b.writeUInt32LE(descriptor.length, c + 0x14);
  descriptor.copy(b, c + 0x18);
  // the rest of the bin: one free cell (positive size)
  const free = SK + skCell;
  b.writeInt32LE(BLOCK - free, H + free);
  return b;
}
