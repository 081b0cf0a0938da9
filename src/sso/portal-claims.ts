/**
 * The national portal's userinfo claim names (domain.md §6), from the contract's claims,
 * for portals that read /oauth2/userinfo as they read the national SSO's. Claims the
 * citizen's providers never gave are left out, as the portal leaves them out.
 */
export interface ContractUserinfo {
  sub: string;
  tech_id?: string;
  account_type?: string;
  acr?: string;
  id_number?: string;
  name?: string;
  birthdate?: string;
  gender?: string;
  email?: string;
  phone_number?: string;
  address?: { formatted?: string };
}

/** YYYY-MM-DD → dd/MM/yyyy, the way Vietnamese systems write a date of birth. */
function vietnameseDate(isoDate: string | undefined): string | undefined {
  const match = isoDate === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  return match ? `${match[3]}/${match[2]}/${match[1]}` : undefined;
}

export function portalUserinfo(claims: ContractUserinfo): Record<string, string | number> {
  const idNumber = claims.id_number;
  const portal: Record<string, string | number | undefined> = {
    sub: claims.sub,
    TechID: claims.tech_id,
    LoaiTaiKhoan: claims.account_type === 'ENTERPRISE' ? 2 : claims.account_type === 'CITIZEN' ? 1 : undefined,
    loAs: claims.acr,
    // The 12-digit personal number is SoDinhDanh; an old 9-digit identity card number is SoCMND.
    SoDinhDanh: idNumber?.length === 12 ? idNumber : undefined,
    SoCMND: idNumber?.length === 9 ? idNumber : undefined,
    HoVaTen: claims.name,
    NgayThangNamSinh: vietnameseDate(claims.birthdate),
    GioiTinh: claims.gender,
    ThuDienTu: claims.email,
    SoDienThoai: claims.phone_number,
    DiaChi: claims.address?.formatted,
  };
  return Object.fromEntries(Object.entries(portal).filter(([, value]) => value !== undefined)) as Record<string, string | number>;
}
