/** A parsed YAML file with its positions: the data plus "where is path X" for messages. */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { SourcePos } from '../errors.js';
import { parseYaml } from '../yaml/parse.js';
import type { ParsedYaml } from '../yaml/parse.js';
import { yamlPathPos } from '../yaml/positions.js';
import type { YamlPath } from '../yaml/positions.js';

export interface Source {
  file: string;
  parsed: ParsedYaml;
  data: unknown;
  /** Position of the value at path (or of its key, with key: true; or of the deepest node found). */
  pos(path: YamlPath, key?: boolean): SourcePos;
}

export function sourceFromText(text: string, file: string): Source {
  const parsed = parseYaml(text, file);
  let data: unknown;
  try {
    data = parsed.doc.toJS({ maxAliasCount: 10000 });
  } catch (err) {
    throw new InputError(`YAML error: ${(err as Error).message}`, { file });
  }
  return {
    file,
    parsed,
    data,
    pos(path, key = false) {
      const lc = yamlPathPos(parsed.doc, parsed.lineCounter, path, key);
      return lc ? { file, line: lc.line, col: lc.col } : { file };
    },
  };
}

/** Read and parse; a missing or unreadable file is reported by the caller's `missing`. */
export async function readSource(path: string, display: string, missing: (reason: string) => Error): Promise<Source> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw missing(code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (err as Error).message);
  }
  return sourceFromText(text, display);
}
