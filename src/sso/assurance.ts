/**
 * Assurance levels (acr). Levels of one family are ordered, so a login at LoA3 meets a
 * request for LoA2; a value outside the known families meets only itself.
 */
const FAMILIES: readonly (readonly string[])[] = [
  ['LoA1', 'LoA2', 'LoA3', 'LoA4'],
  ['IAL1', 'IAL2', 'IAL3'],
];

function rank(level: string): { family: number; rank: number } | undefined {
  for (const [family, levels] of FAMILIES.entries()) {
    const index = levels.indexOf(level);
    if (index >= 0) return { family, rank: index };
  }
  return undefined;
}

/** Whether a login at `achieved` meets the requested `level`. */
export function meets(achieved: string, level: string): boolean {
  if (achieved === level) return true;
  const a = rank(achieved);
  const r = rank(level);
  return a !== undefined && r !== undefined && a.family === r.family && a.rank >= r.rank;
}

/** Whether a login at `achieved` meets one of the requested levels (any, when none were requested). */
export function meetsAny(achieved: string | undefined, requested: readonly string[]): boolean {
  if (!requested.length) return true;
  return achieved !== undefined && requested.some((level) => meets(achieved, level));
}

/** Whether a provider able to reach `levels` can meet the request at all. */
export function canMeet(levels: readonly string[], requested: readonly string[]): boolean {
  return !requested.length || levels.some((level) => meetsAny(level, requested));
}

/**
 * The level a login reached: what the provider stated, if it is among the levels the
 * operator declared for it; otherwise the lowest declared one (a provider is never
 * believed beyond what the parties file says it can give).
 */
export function achievedLevel(declared: readonly string[], stated: string | undefined): string | undefined {
  if (stated !== undefined && declared.includes(stated)) return stated;
  return [...declared].sort((a, b) => (rank(a)?.rank ?? 0) - (rank(b)?.rank ?? 0))[0];
}

/** acr_values as sent: space-separated, most preferred first. */
export function requestedLevels(acrValues: unknown): string[] {
  return typeof acrValues === 'string' ? acrValues.split(' ').filter(Boolean) : [];
}
