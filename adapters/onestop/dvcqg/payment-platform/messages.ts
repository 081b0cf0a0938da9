/**
 * The national portal's payment platform messages, version 1.0.6, as one-stop systems send
 * and expect them (domain.md §5). Field names are the platform's own. Sources for shapes that
 * the design docs leave open: the public one-stop client `DvcPaymentService.cs` and its
 * `ConfirmDvcPaymentCommand(Handler).cs` (TD DichVuCongApi), and OpenCPS `KeypayDVCQGUtils.java`.
 *
 * Incoming messages are described after `readPortalMessage` has normalised them: amounts are
 * numbers, codes that some clients send as JSON numbers are strings, and JSON nulls (which
 * .NET clients write for unset fields) are dropped.
 */

export const MESSAGE_VERSION = '1.0.6';

export type PortalMessageType = 'INIT' | 'QUERY' | 'GET_BILL';

/** One fee or charge line of the receipt. */
export interface PhiLePhi {
  /** The client's own classification (seen as "2" and as "Phi"); kept, not interpreted. */
  LoaiPhiLePhi?: string;
  MaPhiLePhi?: string;
  TenPhiLePhi: string;
  SoTien: number;
}

/** A free-text breakdown some clients add next to PhiLePhi; informative only, kept as received. */
export interface KhoanNop {
  NoiDung?: string;
  SoTien?: string | number;
}

/** What the receipt (biên lai) says: the service, the beneficiary, the payer and the fee lines. */
export interface ThongTinBienLai {
  /** Payment group: "2" fees and charges, "1" administrative fines (see SERVICE_KINDS in translate.ts). */
  MaDichVu: string;
  MaDVC?: string;
  TenDVC?: string;
  MaTTHC?: string;
  TenTTHC?: string;
  MaDonVi: string;
  TenDonVi?: string;
  MaHoSo?: string;
  TKThuHuong: string;
  MaNHThuHuong: string;
  TenTKThuHuong: string;
  MaLoaiHinhThuPhat?: string;
  TenLoaiHinhThuPhat?: string;
  MaCoQuanQD?: string;
  TenCoQuanQD?: string;
  KhoBac?: string;
  /** yyyyMMdd. */
  NgayQD?: string;
  SoQD?: string;
  ThoiGianViPham?: string;
  DiaDiemViPham?: string;
  TenNguoiViPham?: string;
  TaiKhoanThuNSNN?: string;
  NoiDungThanhToan?: string;
  HoTenNguoiNop: string;
  SoCMNDNguoiNop?: string;
  DiaChiNguoiNop?: string;
  HuyenNguoiNop?: string;
  TinhNguoiNop?: string;
  PhiLePhi: PhiLePhi[];
  DSKhoanNop?: KhoanNop[];
}

/** An agency starts a payment: the platform answers with the URL of its payment page. */
export interface InitMessage {
  LoaiBanTin: 'INIT';
  PhienBan: typeof MESSAGE_VERSION;
  MaDoiTac: string;
  /** The agency's own reference for this payment, unique per partner. */
  MaThamChieu: string;
  SoTien: number;
  LoaiHinhThanhToan: 'PAY';
  MaKenhThanhToan?: string;
  MaThietBi?: string;
  NgonNgu?: string;
  MaTienTe: 'VND';
  /** "PAYMENT" (the usual value) lets the citizen choose the bank on the payment page. */
  MaNganHang?: string;
  ThongTinGiaoDich: string;
  /** yyyyMMddHHmmss, Asia/Ho_Chi_Minh. */
  ThoiGianGD: string;
  Ip: string;
  MaXacThuc: string;
  ThongTinBienLai: ThongTinBienLai;
}

/** An agency asks for a payment's status; ThoiGianGD is the time of its INIT. */
export interface QueryMessage {
  LoaiBanTin: 'QUERY';
  PhienBan: typeof MESSAGE_VERSION;
  MaDoiTac: string;
  MaThamChieu: string;
  ThoiGianGD: string;
  MaXacThuc: string;
}

/** An agency asks for the receipt of a paid payment; the answer is the PDF itself. */
export interface GetBillMessage {
  LoaiBanTin: 'GET_BILL';
  PhienBan: typeof MESSAGE_VERSION;
  MaDoiTac: string;
  MaThamChieu: string;
  ThoiGianGD: string;
  MaXacThuc: string;
}

export type PortalMessage = InitMessage | QueryMessage | GetBillMessage;

/**
 * The answer to INIT. `message` is a JSON *string* (`"{\"UrlThanhToan\":\"...\"}"`) on success
 * and plain text on refusal: the public client declares `message` as a string and parses it a
 * second time, so an object there would break it.
 */
export interface InitAnswer {
  error_code: string;
  message: string;
}

/** The platform's transaction status in a QUERY answer: 1 paid, 3 final state unknown yet, 4 failed. */
export type TrangThaiGD = '1' | '3' | '4';

/**
 * The answer to QUERY: flat, with MaLoi "00" meaning "the query was answered" and TrangThaiGD
 * carrying the payment's state. It carries the Confirm message's fields, because clients build
 * the missed Confirm from it.
 */
export interface QueryAnswer {
  LoaiBanTin: 'QUERY';
  MaLoi: string;
  MoTaLoi: string;
  MaDoiTac: string;
  MaThamChieu: string;
  SoTien: number;
  MaTienTe: 'VND';
  MaGiaoDich: string;
  MaNganHang: string;
  ThoiGianGD: string;
  ThongTinGiaoDich: string;
  TrangThaiGD: TrangThaiGD;
  MaXacThuc: string;
}

/** A refused QUERY: the client only looks at MaLoi (anything but "00" is "no answer"). */
export interface QueryRefusal {
  MaLoi: string;
  MoTaLoi: string;
}

/**
 * The hub's result notice to the agency's confirm URL. SoTien is a JSON number: the public
 * receiving side binds it to an `int`, which ASP.NET Core refuses to read from a string.
 */
export interface ConfirmMessage {
  LoaiBanTin: string;
  /** "00" paid; anything else failed. */
  MaLoi: string;
  MaDoiTac: string;
  MaThamChieu: string;
  SoTien: number;
  MaTienTe: 'VND';
  MaGiaoDich: string;
  MaNganHang: string;
  ThoiGianGD: string;
  ThongTinGiaoDich: string;
  MaXacThuc: string;
}
