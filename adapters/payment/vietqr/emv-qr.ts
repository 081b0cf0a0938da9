/**
 * The EMVCo merchant-presented QR format that VietQR (Napas 247) uses: a string of TLV fields
 * (2-digit id, 2-digit length, value) closed by tag 63, a CRC-16/CCITT-FALSE over everything
 * before it including "6304". The CRC only catches scanning errors: anyone can make a valid
 * one, so it authenticates nothing.
 */
const MAX_VALUE_LENGTH = 99;

/** One field. Lengths count characters, so values must be plain ASCII (the Napas spec has no other encoding). */
export function tlv(id: string, value: string): string {
  if (!/^[0-9]{2}$/.test(id)) throw new Error(`QR tag ${id}: the id must be two digits`);
  if (!/^[\x20-\x7E]+$/.test(value)) throw new Error(`QR tag ${id}: the value must be non-empty printable ASCII`);
  if (value.length > MAX_VALUE_LENGTH) throw new Error(`QR tag ${id}: ${value.length} characters, at most ${MAX_VALUE_LENGTH}`);
  return `${id}${String(value.length).padStart(2, '0')}${value}`;
}

/** CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR; 4 uppercase hex digits. */
export function crc16CcittFalse(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'latin1')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** Closes a payload with its tag 63: the CRC covers the "6304" that announces it. */
export function withCrc(fields: string): string {
  const covered = `${fields}6304`;
  return `${covered}${crc16CcittFalse(covered)}`;
}

/** Vietnamese text as the ASCII a bank memo or a QR value carries: diacritics dropped, đ → d, anything else non-ASCII removed. */
export function asciiFold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7E]/g, '');
}
