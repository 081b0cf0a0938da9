import { AGENCY_CODE_PATTERN } from '../../schemas/common';

/**
 * Agency-code patterns: `*` stands for whole dot-separated levels from the left, so
 * `*.H26` matches `000.00.00.H26` and `000.12.34.H26`; `*` alone matches everything;
 * anything else matches exactly.
 */
const agencyCodeRegex = new RegExp(AGENCY_CODE_PATTERN);

export function isAgencyCode(value: string): boolean {
  return value.length <= 35 && agencyCodeRegex.test(value);
}

export class Jurisdiction {
  private readonly everything: boolean;
  private readonly exact: ReadonlySet<string>;
  /** Suffixes that a matching code ends with, each including its leading dot (".H26"). */
  private readonly suffixes: readonly string[];

  constructor(readonly patterns: readonly string[]) {
    this.everything = patterns.includes('*');
    this.exact = new Set(patterns.filter((p) => !p.startsWith('*')));
    this.suffixes = patterns.filter((p) => p.startsWith('*.')).map((p) => p.slice(1));
  }

  get coversEverything(): boolean {
    return this.everything;
  }

  covers(agencyCode: string): boolean {
    if (this.everything || this.exact.has(agencyCode)) return true;
    return this.suffixes.some((suffix) => agencyCode.endsWith(suffix) && agencyCode.length > suffix.length);
  }

  /**
   * How closely this jurisdiction names the agency: an exact code beats any pattern, a longer
   * suffix beats a shorter one, `*` comes last; undefined when it does not cover it. Routes a
   * submission to the party most specifically responsible.
   */
  specificityFor(agencyCode: string): number | undefined {
    if (this.exact.has(agencyCode)) return Number.MAX_SAFE_INTEGER;
    const suffix = Math.max(-1, ...this.suffixes.filter((s) => agencyCode.endsWith(s) && agencyCode.length > s.length).map((s) => s.length));
    if (suffix >= 0) return suffix;
    return this.everything ? 0 : undefined;
  }

  /** Whether every code `pattern` matches is also covered (for sub-patterns such as subscription filters). */
  includesPattern(pattern: string): boolean {
    if (this.everything) return true;
    if (pattern === '*') return false;
    if (!pattern.startsWith('*')) return this.covers(pattern);
    const suffix = pattern.slice(1);
    return this.suffixes.some((own) => suffix.endsWith(own));
  }

  /** SQL LIKE patterns equivalent to this jurisdiction (exact codes and suffixes), for WHERE clauses. */
  toSqlFilter(): { exact: string[]; likeSuffixes: string[] } {
    return { exact: [...this.exact], likeSuffixes: this.suffixes.map((s) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}`) };
  }
}
