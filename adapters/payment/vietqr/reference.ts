import { asciiFold } from './emv-qr';

/**
 * The attempt reference a citizen's transfer carries in its memo (QR tag 62.08). Nothing but
 * the memo links a bank credit to an attempt, and banks mangle memos: they lower-case them,
 * drop spaces and punctuation, cut them, and wrap them in their own text ("MBVCB.123.<memo>.CT
 * tu ..."). So the reference is a fixed prefix, the hub's 12-character token and two check
 * characters, all [0-9A-Z]: it is found again in a memo squeezed to its letters and digits,
 * and the check characters tell it apart from the bank's text that happens to follow "LT".
 *
 * Check characters: ISO/IEC 7064 pure system with modulus 1271 and radix 36 (MOD 1271-36): the
 * whole reference read as a base-36 number is ≡ 1 (mod 1271). A single wrong character or a
 * swap of two neighbours never passes; a random 16-character window passes 1 time in 1271.
 */
const PREFIX = 'LT';
const TOKEN = /^[0-9A-Z]{12}$/;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const MODULUS = 1271;
const REFERENCE_LENGTH = PREFIX.length + 12 + 2;

function base36Remainder(text: string): number {
  let remainder = 0;
  for (const character of text) remainder = (remainder * 36 + ALPHABET.indexOf(character)) % MODULUS;
  return remainder;
}

export function makeReference(token: string): string {
  if (!TOKEN.test(token)) throw new Error('a VietQR reference needs a 12-character [0-9A-Z] token');
  const body = `${PREFIX}${token}`;
  // Appending two check characters multiplies the body's value by 36²; they add what brings the total to 1.
  const check = (MODULUS + 1 - ((base36Remainder(body) * 36 * 36) % MODULUS)) % MODULUS;
  return `${body}${ALPHABET[Math.floor(check / 36)]}${ALPHABET[check % 36]}`;
}

export function isReference(candidate: string): boolean {
  return candidate.length === REFERENCE_LENGTH && candidate.startsWith(PREFIX) && /^[0-9A-Z]+$/.test(candidate) && base36Remainder(candidate) === 1;
}

/** A memo as the reference is looked for in it: ASCII, upper case, letters and digits only. */
function squeeze(memo: string): string {
  return asciiFold(memo).toUpperCase().replace(/[^0-9A-Z]/g, '');
}

/** The one reference a memo carries; undefined when it carries none, or two different ones (which attempt was paid is then unknowable). */
export function findReference(memo: string): string | undefined {
  const squeezed = squeeze(memo);
  const found = new Set<string>();
  for (let at = squeezed.indexOf(PREFIX); at !== -1; at = squeezed.indexOf(PREFIX, at + 1)) {
    const candidate = squeezed.slice(at, at + REFERENCE_LENGTH);
    if (isReference(candidate)) found.add(candidate);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** Whether a memo carries this reference (the status lookup knows which one it looks for). */
export function memoCarries(memo: string, reference: string): boolean {
  return squeeze(memo).includes(reference);
}
