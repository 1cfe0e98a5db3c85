/**
 * JSON and item labels the way Ansible prints them: Python's json.dumps(sort_keys=True,
 * ensure_ascii=False) with ", " and ": " separators (or indent), and str() of a loop item.
 */

/** Python json.dumps of a JSON-safe value (run it through the Redactor first). */
export function pyJson(value: unknown, indent?: number): string {
  return dump(value, indent, 0) ?? 'null';
}

function dump(v: unknown, indent: number | undefined, depth: number): string | undefined {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : Number.isNaN(v) ? 'NaN' : '-Infinity';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string' || typeof v === 'bigint') return JSON.stringify(String(v));
  const pad = indent === undefined ? '' : '\n' + ' '.repeat(indent * (depth + 1));
  const end = indent === undefined ? '' : '\n' + ' '.repeat(indent * depth);
  const sep = indent === undefined ? ', ' : ',';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + v.map((x) => pad + (dump(x, indent, depth + 1) ?? 'null')).join(sep) + end + ']';
  }
  const parts: string[] = [];
  for (const k of Object.keys(v).sort()) {
    const s = dump((v as Record<string, unknown>)[k], indent, depth + 1);
    if (s !== undefined) parts.push(pad + JSON.stringify(k) + ': ' + s);
  }
  if (parts.length === 0) return '{}';
  return '{' + parts.join(sep) + end + '}';
}

/** Python's str() of a loop item: strings bare, containers as repr ({'a': 1, 'b': True}). */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  }
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (typeof v === 'object') {
    return '{' + Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
  }
  return String(v);
}
