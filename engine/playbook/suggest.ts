/** "Did you mean ...?": candidates ordered by edit distance to what the user wrote. */

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function distance(word: string, candidate: string): number {
  const w = word.toLowerCase();
  const c = candidate.toLowerCase();
  const d = levenshtein(w, c);
  // "nic" -> "virtio_nic": a part of the name counts as close
  return c.includes(w) || w.includes(c) ? Math.min(d, Math.abs(c.length - w.length)) : d;
}

/** Candidates, closest to `word` first (ties in alphabetical order). */
export function byCloseness(word: string, candidates: readonly string[]): string[] {
  return [...candidates].sort((a, b) => distance(word, a) - distance(word, b) || a.localeCompare(b));
}

/** The closest candidate when it is close enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const best = byCloseness(word, candidates)[0];
  if (best === undefined || best === word) return undefined;
  return distance(word, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}
