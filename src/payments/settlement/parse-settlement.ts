import { parseCsvSettlement } from './csv-settlement';
import { parseNapasSettlement } from './napas-settlement';
import { SettlementFileError, type SettlementFile, type SettlementFormat } from './settlement-line';

/**
 * Reads a settlement file in the format its provider sends: Napas its own fixed-width file,
 * every other provider the hub's CSV. Throws SettlementFileError listing every problem found
 * (up to MAX_LISTED_PROBLEMS); nothing else.
 */
export function parseSettlementFile(format: SettlementFormat, body: string): SettlementFile {
  switch (format) {
    case 'csv':
      return parseCsvSettlement(body);
    case 'napas':
      return parseNapasSettlement(body);
    default:
      // Reachable only from an unchecked caller; the promise of SettlementFileError holds even then.
      throw new SettlementFileError(`${JSON.stringify(format as unknown)} is not a settlement format`, [{ line: 0, field: 'format', message: 'is not csv or napas' }]);
  }
}
