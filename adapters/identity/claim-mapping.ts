import type { IdentityClaims } from './identity-provider';

/** Contract claim → the upstream claim that carries it. Settings `claims` override these one by one. */
export type ClaimMapping = Partial<Record<keyof IdentityClaims | 'acr', string>>;

/** VNeID-style defaults: standard OpenID claims plus the national identity number, technical id and account type. */
export const DEFAULT_CLAIM_MAPPING: Required<ClaimMapping> = {
  id_number: 'id_number',
  tech_id: 'tech_id',
  name: 'name',
  birthdate: 'birthdate',
  gender: 'gender',
  email: 'email',
  phone_number: 'phone_number',
  address: 'address',
  account_type: 'account_type',
  acr: 'acr',
};

const MAX_TEXT = 500;

function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed && trimmed.length <= MAX_TEXT ? trimmed : undefined;
}

/** 12-digit personal number (CCCD) or the older 9-digit CMND; anything else is dropped, never passed on. */
function identityNumber(value: unknown): string | undefined {
  const raw = text(value);
  return raw && /^(\d{9}|\d{12})$/.test(raw) ? raw : undefined;
}

/** YYYY-MM-DD (OpenID), also from DD/MM/YYYY and yyyyMMdd as Vietnamese systems write dates. */
function birthdate(value: unknown): string | undefined {
  const raw = text(value);
  if (!raw) return undefined;
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
  const dmy = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(raw);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]] : dmy ? [dmy[3], dmy[2], dmy[1]] : [];
  if (!year) return undefined;
  const date = new Date(`${year}-${month}-${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== `${year}-${month}-${day}` ? undefined : `${year}-${month}-${day}`;
}

/** The portal's LoaiTaiKhoan (1 citizen, 2 enterprise) or the contract's names. */
function accountType(value: unknown): 'CITIZEN' | 'ENTERPRISE' | undefined {
  const raw = text(value)?.toUpperCase();
  if (raw === '1' || raw === 'CITIZEN') return 'CITIZEN';
  if (raw === '2' || raw === 'ENTERPRISE') return 'ENTERPRISE';
  return undefined;
}

function address(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'formatted' in value) return text((value as { formatted: unknown }).formatted);
  return text(value);
}

const NORMALISE: Record<keyof IdentityClaims, (value: unknown) => string | undefined> = {
  id_number: identityNumber,
  tech_id: text,
  name: text,
  birthdate,
  gender: text,
  email: text,
  phone_number: text,
  address,
  account_type: accountType,
};

/** The contract's claims out of an upstream provider's claims, each validated; unusable values are left out. */
export function mapUpstreamClaims(upstream: Record<string, unknown>, mapping: ClaimMapping = {}): { claims: IdentityClaims; acr: string | undefined } {
  const effective = { ...DEFAULT_CLAIM_MAPPING, ...mapping };
  const claims: Record<string, string> = {};
  for (const [claim, normalise] of Object.entries(NORMALISE)) {
    const value = normalise(upstream[effective[claim as keyof IdentityClaims]]);
    if (value !== undefined) claims[claim] = value;
  }
  return { claims: claims as IdentityClaims, acr: text(upstream[effective.acr]) };
}
