import { fromPortalTime } from './dvcqg-dates';

/**
 * Reading one object of a portal message the way real senders write it: values as strings or
 * numbers ("4" or 4), empty strings and nulls for "absent", unknown fields ignored. A value
 * that cannot be read raises a NativeProblem naming its JSON pointer; the item's translation
 * catches it, so one bad dossier never stops the others.
 */

export class NativeProblem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export type NativeRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is NativeRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FLAGS: Readonly<Record<string, boolean>> = { '1': true, '0': false, true: true, false: false };

export class FieldReader {
  constructor(
    private readonly record: NativeRecord,
    readonly path: string,
  ) {}

  pathOf(name: string): string {
    return `${this.path}/${name}`;
  }

  /** Text, trimmed; a whole JSON number is read as its digits. Undefined when absent or blank. */
  text(name: string): string | undefined {
    const value = this.record[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
    // A fractional JSON number has already lost digits (1.001190 arrives as 1.00119): refuse rather than guess.
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    throw new NativeProblem(this.pathOf(name), 'must be text');
  }

  requiredText(name: string): string {
    const value = this.text(name);
    if (value === undefined) throw new NativeProblem(this.pathOf(name), 'is required');
    return value;
  }

  /** One of a code table's codes ("2" or 2), or undefined when absent. */
  code<T>(name: string, table: Readonly<Record<string, T>>): T | undefined {
    const code = this.text(name);
    if (code === undefined) return undefined;
    const value = table[code];
    if (value === undefined) throw new NativeProblem(this.pathOf(name), `must be one of ${Object.keys(table).join(', ')}`);
    return value;
  }

  requiredCode<T>(name: string, table: Readonly<Record<string, T>>): T {
    const value = this.code(name, table);
    if (value === undefined) throw new NativeProblem(this.pathOf(name), `is required (one of ${Object.keys(table).join(', ')})`);
    return value;
  }

  /** A whole number written with digits only ("4", 4). */
  wholeNumber(name: string): number | undefined {
    const text = this.text(name);
    if (text === undefined) return undefined;
    if (!/^[0-9]{1,15}$/.test(text)) throw new NativeProblem(this.pathOf(name), 'must be a whole number');
    return Number(text);
  }

  /** A portal time, as RFC 3339 in +07:00; undefined when absent or an empty string. */
  time(name: string): string | undefined {
    const text = this.text(name);
    if (text === undefined) return undefined;
    const time = fromPortalTime(text);
    if (time === undefined) throw new NativeProblem(this.pathOf(name), `must be a real time written yyyyMMddHHmmss (Asia/Ho_Chi_Minh), not ${JSON.stringify(text)}`);
    return time;
  }

  /** "1"/"0", 1/0, true/false, "True"/"False" (.NET writes booleans so). */
  flag(name: string): boolean | undefined {
    const value = this.record[name];
    if (typeof value === 'boolean') return value;
    const text = this.text(name);
    if (text === undefined) return undefined;
    const flag = FLAGS[text.toLowerCase()];
    if (flag === undefined) throw new NativeProblem(this.pathOf(name), 'must be 1 or 0 (or True / False)');
    return flag;
  }

  /** An array of objects; absent, null or "" is an empty list. */
  list(name: string): FieldReader[] {
    const value = this.record[name];
    if (value === undefined || value === null || value === '') return [];
    if (!Array.isArray(value)) throw new NativeProblem(this.pathOf(name), 'must be an array');
    return value.map((entry, index) => {
      const path = `${this.pathOf(name)}/${index}`;
      if (!isRecord(entry)) throw new NativeProblem(path, 'must be an object');
      return new FieldReader(entry, path);
    });
  }
}
