/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent swaps), so
 * `hepl` is 1 away from `help`. O(|a|·|b|); inputs are command names.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i]![j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `word` when it is plausibly a typo: distance ≤ 2
 * (≤ 1 for words of 3 letters or fewer), or `word` is a prefix of exactly one
 * candidate. Null when nothing is close.
 */
export function closest(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase();
  if (w.length === 0) return null;
  const prefixed = candidates.filter((c) => c.startsWith(w));
  if (prefixed.length === 1) return prefixed[0] ?? null;
  let best: string | null = null;
  let bestDistance = w.length <= 3 ? 1 : 2;
  for (const c of candidates) {
    const dist = editDistance(w, c);
    if (dist <= bestDistance && (best === null || dist < bestDistance)) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}
