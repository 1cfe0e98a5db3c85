/**
 * Registry edits as a .reg file for `hivexregedit --merge` (regedit's format with hivex's
 * `str(N):` extension for typed strings, UTF-16LE in the hive). Every ancestor of a key is listed
 * before it, because hivexregedit creates a key only under an existing parent.
 */
export type RegValue =
  { type: 'dword'; value: number } | { type: 'sz' | 'expand_sz'; value: string } | { type: 'multi_sz'; value: string[] } | { type: 'binary'; value: number[] };

export interface RegKey {
  /** Path below the hive's root, e.g. ['ControlSet001', 'Services', 'viostor']. */
  path: string[];
  values: [name: string, value: RegValue][];
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const hexBytes = (bytes: Iterable<number>) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(',');

function valueText(v: RegValue): string {
  switch (v.type) {
    case 'dword':
      return `dword:${(v.value >>> 0).toString(16).padStart(8, '0')}`;
    case 'sz':
      return `str(1):${quote(v.value)}`;
    case 'expand_sz':
      return `str(2):${quote(v.value)}`;
    case 'multi_sz':
      return `hex(7):${hexBytes(Buffer.from(`${v.value.map((s) => `${s}\0`).join('')}\0`, 'utf16le'))}`;
    case 'binary':
      return `hex:${hexBytes(v.value)}`;
  }
}

/** The .reg text for `hivexregedit --merge --prefix PREFIX` (PREFIX e.g. HKEY_LOCAL_MACHINE\SYSTEM). */
export function regFile(prefix: string, keys: RegKey[]): string {
  const out: string[] = [];
  const listed = new Set<string>();
  for (const k of keys) {
    for (let i = 1; i <= k.path.length; i++) {
      const p = k.path.slice(0, i).join('\\');
      const last = i === k.path.length;
      if (listed.has(p.toLowerCase()) && !last) continue;
      listed.add(p.toLowerCase());
      out.push(`[${prefix}\\${p}]`);
      if (last) for (const [name, v] of k.values) out.push(`${name === '' ? '@' : quote(name)}=${valueText(v)}`);
      out.push('');
    }
  }
  return out.join('\n');
}
