// "did you mean …?" for names typed by hand (targets), by edit distance as BuildKit suggests them.

/**
 * The closest candidate within 2 edits, if any; the first one listed wins a tie. Case-insensitive unless
 * `caseSensitive` (BuildKit compares variable names as written: `$path` is not a typo of `$PATH`).
 */
export function closestMatch(input: string, candidates: readonly string[], options: { caseSensitive?: boolean } = {}): string | undefined {
  const fold = options.caseSensitive ? (text: string) => text : (text: string) => text.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(fold(input), fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
