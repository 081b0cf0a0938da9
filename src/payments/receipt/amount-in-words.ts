/**
 * An amount of VND read out in Vietnamese, as a receipt's "Bằng chữ" line prints it:
 * 2_005_000_015 → "Hai tỷ không trăm linh năm triệu không trăm mười lăm đồng".
 *
 * Where usage varies, the reading follows the form most invoices print: "linh" (not "lẻ")
 * for a zero tens digit, "bốn" (not "tư"), "nghìn" (not "ngàn"), and a group that follows a
 * non-zero one is read in full ("một nghìn không trăm linh năm"), so no digit is lost.
 */
export const MAX_AMOUNT_IN_WORDS = 1_000_000_000_000_000;

const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;
/** The three-digit groups inside one billion, lowest first; above it, whole blocks are counted in "tỷ". */
const GROUP_NAMES = ['', 'nghìn', 'triệu'] as const;
const BILLION = 1_000_000_000;

export function amountInWords(amount: number): string {
  if (!Number.isSafeInteger(amount) || amount < 0 || amount > MAX_AMOUNT_IN_WORDS) {
    throw new RangeError(`amountInWords reads integer VND from 0 to ${MAX_AMOUNT_IN_WORDS}, not ${amount}`);
  }
  const words = amount === 0 ? DIGITS[0] : readNumber(amount);
  return `${words.charAt(0).toUpperCase()}${words.slice(1)} đồng`;
}

function readNumber(n: number): string {
  if (n < BILLION) return readBelowBillion(n, false);
  const billions = Math.floor(n / BILLION);
  const rest = n % BILLION;
  const head = `${readNumber(billions)} tỷ`;
  return rest === 0 ? head : `${head} ${readBelowBillion(rest, true)}`;
}

/** `afterHigherDigits`: something was read before this part, so its leading zeros are spoken. */
function readBelowBillion(n: number, afterHigherDigits: boolean): string {
  const parts: string[] = [];
  let spokenBefore = afterHigherDigits;
  for (let index = GROUP_NAMES.length - 1; index >= 0; index--) {
    const group = Math.floor(n / 1000 ** index) % 1000;
    if (group === 0) continue;
    parts.push(readGroup(group, spokenBefore));
    const name = GROUP_NAMES[index];
    if (name) parts.push(name);
    spokenBefore = true;
  }
  return parts.join(' ');
}

function readGroup(group: number, full: boolean): string {
  const hundreds = Math.floor(group / 100);
  const tens = Math.floor(group / 10) % 10;
  const units = group % 10;
  const words: string[] = [];
  if (full || hundreds > 0) words.push(digit(hundreds), 'trăm');
  if (tens === 0) {
    if (units > 0 && words.length > 0) words.push('linh');
  } else if (tens === 1) {
    words.push('mười');
  } else {
    words.push(digit(tens), 'mươi');
  }
  if (units > 0) words.push(readUnits(units, tens));
  return words.join(' ');
}

function readUnits(units: number, tens: number): string {
  if (units === 1 && tens >= 2) return 'mốt';
  if (units === 5 && tens >= 1) return 'lăm';
  return digit(units);
}

function digit(value: number): string {
  return DIGITS[value] ?? DIGITS[0];
}
