import { createHash } from 'node:crypto';
import type { ConfirmMessage, InitMessage, QueryMessage } from '../../adapters/onestop/dvcqg/payment-platform/messages';
import { maXacThuc, verifyMaXacThuc } from '../../adapters/onestop/dvcqg/payment-platform/signature';
import {
  confirmMessage,
  DEFAULT_PAYMENT_PLATFORM_RULES,
  describeProblems,
  errorAnswer,
  fromPortalTime,
  type HubPaymentStatus,
  initAnswer,
  PORTAL_REFUSALS,
  queryAnswer,
  queryRefusal,
  readConfirmEcho,
  readPortalMessage,
  toCanonicalPayment,
  toPortalTime,
} from '../../adapters/onestop/dvcqg/payment-platform/translate';

/** The shared sample `fixtures/dvcqg/PaymentPlatform.INIT.request.json`, signed with FIXTURE_SECRET by its author. */
const FIXTURE_SECRET = 'demo-payment-platform-secret';
const FIXTURE: Record<string, unknown> = {
  LoaiBanTin: 'INIT',
  PhienBan: '1.0.6',
  MaDoiTac: 'HN_ONESTOP',
  MaThamChieu: 'dvc000000H262611240042',
  SoTien: '50000',
  LoaiHinhThanhToan: 'PAY',
  MaKenhThanhToan: '1',
  MaThietBi: '1',
  NgonNgu: 'vi-VN',
  MaTienTe: 'VND',
  MaNganHang: 'PAYMENT',
  ThongTinGiaoDich: 'Nop le phi ho so 000.00.00.H26-261124-0042',
  ThoiGianGD: '20261124141000',
  Ip: '203.0.113.7',
  MaXacThuc: 'b703d8ed33805b9dcd96b2cda3c45f4440ea8e56d47371fd38ac24a411eac7d3',
  ThongTinBienLai: {
    MaDichVu: '2',
    MaDVC: '1.001193.01',
    MaTTHC: '1.001193',
    MaDonVi: '000.00.00.H26',
    MaHoSo: '000.00.00.H26-261124-0042',
    TKThuHuong: '7111',
    MaNHThuHuong: 'KBNN',
    TenTKThuHuong: 'Kho bạc Nhà nước Hà Nội',
    PhiLePhi: [
      {
        LoaiPhiLePhi: '2',
        MaPhiLePhi: 'LP01',
        TenPhiLePhi: 'Lệ phí đăng ký',
        SoTien: '50000'
      }
    ],
    HoTenNguoiNop: 'Bùi Thị Lan',
    SoCMNDNguoiNop: '001190099999',
    DiaChiNguoiNop: 'Hoàn Kiếm, Hà Nội'
  }
};
const SECRET = 'bi-mat-cua-mot-cua-ha-noi';
const RETURN_URL = 'https://motcua.hanoi.gov.vn/thanh-toan/ket-qua';

/** SHA-256 hex of the text, computed here independently of the code under test. */
function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The INIT sign string written out field by field in the documented order (domain.md §5). */
function initSignString(m: Record<string, unknown>, secret: string): string {
  const v = (name: string) => (m[name] === undefined || m[name] === null ? '' : String(m[name]));
  return `${v('LoaiBanTin')}|${v('PhienBan')}|${v('MaDoiTac')}|${v('MaThamChieu')}|${v('SoTien')}|${v('LoaiHinhThanhToan')}|${v('MaKenhThanhToan')}|${v('MaThietBi')}|${v('NgonNgu')}|${v('MaTienTe')}|${v('MaNganHang')}|${v('ThongTinGiaoDich')}|${v('ThoiGianGD')}|${v('Ip')}|${secret}`;
}

/** A realistic INIT as a one-stop system sends it: strings everywhere, signed with SECRET. */
function initBody(change: (body: Record<string, any>) => void = () => {}): Record<string, any> {
  const body: Record<string, any> = {
    LoaiBanTin: 'INIT',
    PhienBan: '1.0.6',
    MaDoiTac: 'HN_ONESTOP',
    MaThamChieu: 'dvc00000000H26261124004220261124141000',
    SoTien: '150000',
    LoaiHinhThanhToan: 'PAY',
    MaKenhThanhToan: '1',
    MaThietBi: '1',
    NgonNgu: 'vi-VN',
    MaTienTe: 'VND',
    MaNganHang: 'PAYMENT',
    ThongTinGiaoDich: 'Nộp phí, lệ phí hồ sơ 000.00.00.H26-261124-0042',
    ThoiGianGD: '20261124141000',
    Ip: '203.0.113.7',
    ThongTinBienLai: {
      MaDichVu: '2',
      MaDVC: '1.001193.000.00.00.H26',
      TenDVC: 'Đăng ký hộ kinh doanh',
      MaTTHC: '1.001193',
      TenTTHC: 'Đăng ký thành lập hộ kinh doanh',
      MaDonVi: '000.00.00.H26',
      TenDonVi: 'UBND quận Hoàn Kiếm',
      MaHoSo: '000.00.00.H26-261124-0042',
      TKThuHuong: '3511',
      MaNHThuHuong: 'KBNN',
      TenTKThuHuong: 'Kho bạc Nhà nước Hoàn Kiếm',
      PhiLePhi: [
        { LoaiPhiLePhi: '1', MaPhiLePhi: 'PHI01', TenPhiLePhi: 'Phí thẩm định hồ sơ', SoTien: '100000' },
        { LoaiPhiLePhi: '2', MaPhiLePhi: 'LP01', TenPhiLePhi: 'Lệ phí đăng ký hộ kinh doanh', SoTien: '50000' },
      ],
      HoTenNguoiNop: 'Nguyễn Văn Đức',
      SoCMNDNguoiNop: '001089012345',
      DiaChiNguoiNop: '12 Hàng Bạc, phường Hàng Buồm, quận Hoàn Kiếm, Hà Nội',
    },
  };
  change(body);
  body['MaXacThuc'] = sha256(initSignString(body, SECRET));
  return body;
}

function lookupBody(type: 'QUERY' | 'GET_BILL', change: (body: Record<string, any>) => void = () => {}): Record<string, any> {
  const body: Record<string, any> = { LoaiBanTin: type, PhienBan: '1.0.6', MaDoiTac: 'HN_ONESTOP', MaThamChieu: 'dvc00000000H26261124004220261124141000', ThoiGianGD: '20261124141000' };
  change(body);
  body['MaXacThuc'] = sha256(`${body['LoaiBanTin']}|${body['PhienBan']}|${body['MaDoiTac']}|${body['MaThamChieu']}|${body['ThoiGianGD']}|${SECRET}`);
  return body;
}

function readInit(body: unknown): InitMessage {
  const reading = readPortalMessage(body);
  if (!reading.ok) throw new Error(`refused: ${describeProblems(reading.problems)}`);
  if (reading.message.LoaiBanTin !== 'INIT') throw new Error(`read as ${reading.message.LoaiBanTin}`);
  return reading.message;
}

function problemsOf(body: unknown): { path: string; message: string }[] {
  const reading = readPortalMessage(body);
  if (reading.ok) throw new Error('the message was accepted');
  return reading.problems;
}

describe('MaXacThuc', () => {
  it('verifies the shared INIT fixture with the secret it was made with', () => {
    const init = readInit(FIXTURE);
    expect(verifyMaXacThuc(init, FIXTURE_SECRET)).toBe(true);
    expect(verifyMaXacThuc(init, SECRET)).toBe(false);
  });

  it('is the lower-case SHA-256 of the fields joined by | and then |secret, written out by hand', () => {
    const expected = sha256('INIT|1.0.6|HN_ONESTOP|dvc42|50000|PAY|1|1|vi-VN|VND|PAYMENT|Nộp lệ phí|20261124141000|203.0.113.7|khoa-bi-mat');
    const fields = ['INIT', '1.0.6', 'HN_ONESTOP', 'dvc42', '50000', 'PAY', '1', '1', 'vi-VN', 'VND', 'PAYMENT', 'Nộp lệ phí', '20261124141000', '203.0.113.7'];
    expect(maXacThuc(fields, 'khoa-bi-mat')).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies an INIT signed in the documented field order', () => {
    expect(verifyMaXacThuc(readInit(initBody()), SECRET)).toBe(true);
  });

  it('refuses an INIT signed with two neighbouring fields in the wrong order', () => {
    const body = initBody((b) => {
      b['MaKenhThanhToan'] = '1';
      b['MaThietBi'] = '2';
    });
    const swapped = initSignString({ ...body, MaKenhThanhToan: '2', MaThietBi: '1' }, SECRET);
    expect(verifyMaXacThuc(readInit(body), SECRET)).toBe(true);
    expect(verifyMaXacThuc(readInit({ ...body, MaXacThuc: sha256(swapped) }), SECRET)).toBe(false);
  });

  it('signs missing optional fields as empty strings, as .NET clients do with nulls', () => {
    const body = initBody((b) => {
      delete b['MaKenhThanhToan'];
      b['MaThietBi'] = null;
      delete b['NgonNgu'];
      delete b['MaNganHang'];
    });
    expect(initSignString(body, SECRET)).toContain('|150000|PAY||||VND||Nộp phí');
    expect(verifyMaXacThuc(readInit(body), SECRET)).toBe(true);
  });

  it.each([
    ['SoTien', (b: Record<string, any>) => {
      b['SoTien'] = '1500000';
      b['ThongTinBienLai'].PhiLePhi[0].SoTien = '1450000';
    }],
    ['ThongTinGiaoDich', (b: Record<string, any>) => (b['ThongTinGiaoDich'] = 'Nộp phí hồ sơ khác')],
    ['MaThamChieu', (b: Record<string, any>) => (b['MaThamChieu'] = 'dvc-another-reference')],
    ['Ip', (b: Record<string, any>) => (b['Ip'] = '198.51.100.9')],
  ])('refuses an INIT whose %s was changed after signing', (_, tamper) => {
    const body = initBody();
    tamper(body);
    expect(verifyMaXacThuc(readInit(body), SECRET)).toBe(false);
  });

  it('accepts upper-case hex and refuses a MaXacThuc of another length without throwing', () => {
    const init = readInit(initBody());
    expect(verifyMaXacThuc({ ...init, MaXacThuc: init.MaXacThuc.toUpperCase() }, SECRET)).toBe(true);
    expect(verifyMaXacThuc({ ...init, MaXacThuc: init.MaXacThuc.slice(0, 63) }, SECRET)).toBe(false);
    expect(verifyMaXacThuc({ ...init, MaXacThuc: '' }, SECRET)).toBe(false);
  });

  it.each(['QUERY', 'GET_BILL'] as const)('verifies a %s over LoaiBanTin|PhienBan|MaDoiTac|MaThamChieu|ThoiGianGD|secret', (type) => {
    const reading = readPortalMessage(lookupBody(type));
    if (!reading.ok) throw new Error(describeProblems(reading.problems));
    expect(reading.message.MaXacThuc).toBe(sha256(`${type}|1.0.6|HN_ONESTOP|dvc00000000H26261124004220261124141000|20261124141000|${SECRET}`));
    expect(verifyMaXacThuc(reading.message, SECRET)).toBe(true);
    expect(verifyMaXacThuc({ ...reading.message, ThoiGianGD: '20261124141001' }, SECRET)).toBe(false);
    expect(verifyMaXacThuc({ ...reading.message, MaDoiTac: 'HCM_ONESTOP' }, SECRET)).toBe(false);
  });
});

describe('reading portal messages', () => {
  it('normalises amounts to numbers and numeric codes to strings, and drops nulls', () => {
    const init = readInit(
      initBody((b) => {
        b['SoTien'] = 150000;
        b['ThongTinBienLai'].MaDichVu = 2;
        b['ThongTinBienLai'].PhiLePhi[0] = { LoaiPhiLePhi: 2, MaPhiLePhi: 2, TenPhiLePhi: 'Phí thẩm định hồ sơ', SoTien: 100000 };
        b['ThongTinBienLai'].TenLoaiHinhThuPhat = null;
        b['ThongTinBienLai'].DSKhoanNop = [{ NoiDung: 'Phí và lệ phí', SoTien: '150000' }];
      }),
    );
    expect(init.SoTien).toBe(150000);
    expect(init.ThongTinBienLai.MaDichVu).toBe('2');
    expect(init.ThongTinBienLai.PhiLePhi[0]).toEqual({ LoaiPhiLePhi: '2', MaPhiLePhi: '2', TenPhiLePhi: 'Phí thẩm định hồ sơ', SoTien: 100000 });
    expect(init.ThongTinBienLai.PhiLePhi[1]?.SoTien).toBe(50000);
    expect('TenLoaiHinhThuPhat' in init.ThongTinBienLai).toBe(false);
  });

  it('reads a QUERY and a GET_BILL', () => {
    for (const type of ['QUERY', 'GET_BILL'] as const) {
      const reading = readPortalMessage(lookupBody(type));
      expect(reading).toEqual({ ok: true, message: expect.objectContaining({ LoaiBanTin: type, MaThamChieu: 'dvc00000000H26261124004220261124141000' }) });
    }
  });

  it.each([
    ['not an object', null, ''],
    ['an array', [], ''],
    ['a string', 'LoaiBanTin=INIT', ''],
  ])('refuses %s at the root', (_, body, expectedPath) => {
    expect(problemsOf(body)).toEqual([{ path: expectedPath, message: 'must be a JSON object' }]);
  });

  const B = (b: Record<string, any>) => b['ThongTinBienLai'] as Record<string, any>;
  it.each<[string, string, (b: Record<string, any>) => void]>([
    ['no LoaiBanTin', '/LoaiBanTin', (b) => delete b['LoaiBanTin']],
    ['a Confirm sent as a request', '/LoaiBanTin', (b) => (b['LoaiBanTin'] = 'CONFIRM')],
    ['another version', '/PhienBan', (b) => (b['PhienBan'] = '1.0.5')],
    ['another currency', '/MaTienTe', (b) => (b['MaTienTe'] = 'USD')],
    ['a refund instead of a payment', '/LoaiHinhThanhToan', (b) => (b['LoaiHinhThanhToan'] = 'REFUND')],
    ['a zero amount', '/SoTien', (b) => (b['SoTien'] = '0')],
    ['a negative amount', '/SoTien', (b) => (b['SoTien'] = -150000)],
    ['a decimal amount', '/SoTien', (b) => (b['SoTien'] = '150000.5')],
    ['a fractional JSON amount', '/SoTien', (b) => (b['SoTien'] = 150000.5)],
    ['an amount with a leading zero (it would sign differently)', '/SoTien', (b) => (b['SoTien'] = '0150000')],
    ['an amount with thousands separators', '/SoTien', (b) => (b['SoTien'] = '150.000')],
    ['30 February', '/ThoiGianGD', (b) => (b['ThoiGianGD'] = '20260230101010')],
    ['hour 24', '/ThoiGianGD', (b) => (b['ThoiGianGD'] = '20261124240000')],
    ['a time with separators', '/ThoiGianGD', (b) => (b['ThoiGianGD'] = '2026-11-24 14:10:00')],
    ['a time one digit short', '/ThoiGianGD', (b) => (b['ThoiGianGD'] = '2026112414100')],
    ['a field the version does not have', '/UrlTraVe', (b) => (b['UrlTraVe'] = RETURN_URL)],
    ['a MaDoiTac holding the | separator', '/MaDoiTac', (b) => (b['MaDoiTac'] = 'HN|ONESTOP')],
    ['an Ip that is not an address', '/Ip', (b) => (b['Ip'] = 'localhost')],
    ['no Ip', '/Ip', (b) => delete b['Ip']],
    ['an unknown language', '/NgonNgu', (b) => (b['NgonNgu'] = 'fr-FR')],
    ['no description', '/ThongTinGiaoDich', (b) => (b['ThongTinGiaoDich'] = '')],
    ['no receipt information', '/ThongTinBienLai', (b) => delete b['ThongTinBienLai']],
    ['an unknown payment group', '/ThongTinBienLai/MaDichVu', (b) => (B(b).MaDichVu = '9')],
    ['a payment group that is not a number', '/ThongTinBienLai/MaDichVu', (b) => (B(b).MaDichVu = 'PHI')],
    ['an agency code that is not one', '/ThongTinBienLai/MaDonVi', (b) => (B(b).MaDonVi = 'Hoàn Kiếm')],
    ['a dossier code that is not one', '/ThongTinBienLai/MaHoSo', (b) => (B(b).MaHoSo = 'HS-42')],
    ['an account number with spaces', '/ThongTinBienLai/TKThuHuong', (b) => (B(b).TKThuHuong = '3511 0000')],
    ['no beneficiary bank', '/ThongTinBienLai/MaNHThuHuong', (b) => delete B(b).MaNHThuHuong],
    ['no payer name', '/ThongTinBienLai/HoTenNguoiNop', (b) => delete B(b).HoTenNguoiNop],
    ['an identity number with punctuation', '/ThongTinBienLai/SoCMNDNguoiNop', (b) => (B(b).SoCMNDNguoiNop = '001-089-012345')],
    ['no fee lines', '/ThongTinBienLai/PhiLePhi', (b) => (B(b).PhiLePhi = [])],
    ['a fee line amount that is not a number', '/ThongTinBienLai/PhiLePhi/0/SoTien', (b) => (B(b).PhiLePhi[0].SoTien = 'một trăm nghìn')],
    ['a fee line without a name', '/ThongTinBienLai/PhiLePhi/1/TenPhiLePhi', (b) => delete B(b).PhiLePhi[1].TenPhiLePhi],
    ['a fee line with an unknown field', '/ThongTinBienLai/PhiLePhi/1/DonGia', (b) => (B(b).PhiLePhi[1].DonGia = '50000')],
    ['an amount that is not the sum of the fee lines', '/SoTien', (b) => (b['SoTien'] = '200000')],
    ['a decision date that does not exist', '/ThongTinBienLai/NgayQD', (b) => (B(b).NgayQD = '20261331')],
  ])('refuses an INIT with %s, naming %s', (_, expectedPath, change) => {
    const problems = problemsOf(initBody(change));
    expect(problems.map((p) => p.path)).toEqual([expectedPath]);
    expect(problems[0]?.message).toEqual(expect.any(String));
  });

  it('refuses an INIT without MaXacThuc', () => {
    const { MaXacThuc: _, ...unsigned } = initBody();
    expect(problemsOf(unsigned)).toEqual([{ path: '/MaXacThuc', message: 'is required' }]);
  });

  it('says what the amounts must be, and what they add up to', () => {
    expect(problemsOf(initBody((b) => (b['SoTien'] = '0150000')))).toEqual([
      { path: '/SoTien', message: 'must be a positive whole number of VND (digits, no leading zero, or a JSON integer)' },
    ]);
    expect(problemsOf(initBody((b) => (b['SoTien'] = '200000')))).toEqual([{ path: '/SoTien', message: 'must equal the sum of ThongTinBienLai.PhiLePhi[].SoTien (150000)' }]);
    expect(problemsOf(initBody((b) => (b['ThongTinBienLai'].MaDichVu = '9')))).toEqual([
      { path: '/ThongTinBienLai/MaDichVu', message: 'must be one of "1" (FINE), "2" (FEE)' },
    ]);
  });

  it('reports every problem of a message at once', () => {
    const problems = problemsOf(
      initBody((b) => {
        b['PhienBan'] = '1.0.5';
        b['ThongTinBienLai'].PhiLePhi[1].SoTien = '-1';
        delete b['ThongTinBienLai'].TenTKThuHuong;
      }),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(['/PhienBan', '/ThongTinBienLai/PhiLePhi/1/SoTien', '/ThongTinBienLai/TenTKThuHuong']);
  });

  it.each<[string, string, (b: Record<string, any>) => void]>([
    ['no MaThamChieu', '/MaThamChieu', (b) => delete b['MaThamChieu']],
    ['a real-looking but impossible time', '/ThoiGianGD', (b) => (b['ThoiGianGD'] = '20261124146000')],
    ['an INIT field', '/SoTien', (b) => (b['SoTien'] = '50000')],
    ['another version', '/PhienBan', (b) => (b['PhienBan'] = '1.0.7')],
  ])('refuses a QUERY with %s, naming %s', (_, expectedPath, change) => {
    expect(problemsOf(lookupBody('QUERY', change)).map((p) => p.path)).toEqual([expectedPath]);
  });

  it('requires the decision fields of a fine, each by its path', () => {
    const problems = problemsOf(
      initBody((b) => {
        b['ThongTinBienLai'].MaDichVu = '1';
        b['ThongTinBienLai'].NgayQD = '';
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(['/ThongTinBienLai/SoQD', '/ThongTinBienLai/NgayQD', '/ThongTinBienLai/MaCoQuanQD', '/ThongTinBienLai/KhoBac']);
  });
});

describe('INIT to the canonical payment', () => {
  it('maps a fee payment onto the canonical create-payment body', () => {
    expect(toCanonicalPayment(readInit(initBody()), RETURN_URL)).toEqual({
      request: {
        agencyCode: '000.00.00.H26',
        dossierCode: '000.00.00.H26-261124-0042',
        procedureCode: '1.001193',
        kind: 'FEE',
        payer: { name: 'Nguyễn Văn Đức', idNumber: '001089012345', address: '12 Hàng Bạc, phường Hàng Buồm, quận Hoàn Kiếm, Hà Nội' },
        items: [
          { code: 'PHI01', name: 'Phí thẩm định hồ sơ', amount: 100000 },
          { code: 'LP01', name: 'Lệ phí đăng ký hộ kinh doanh', amount: 50000 },
        ],
        amount: 150000,
        currency: 'VND',
        beneficiary: { accountNumber: '3511', bankCode: 'KBNN', accountName: 'Kho bạc Nhà nước Hoàn Kiếm' },
        description: 'Nộp phí, lệ phí hồ sơ 000.00.00.H26-261124-0042',
        returnUrl: RETURN_URL,
      },
      externalReference: 'dvc00000000H26261124004220261124141000',
      clientIp: '203.0.113.7',
      locale: 'vi',
      bankCode: undefined,
      channel: '1',
    });
  });

  it('maps a traffic fine with its decision, leaving out what the client sent blank', () => {
    const init = readInit(
      initBody((b) => {
        b['NgonNgu'] = 'en-US';
        b['MaNganHang'] = 'VCB';
        b['SoTien'] = '4000000';
        Object.assign(b['ThongTinBienLai'], {
          MaDichVu: '1',
          MaHoSo: '',
          MaTTHC: '',
          MaDonVi: '000.00.00.G09',
          SoCMNDNguoiNop: '',
          DiaChiNguoiNop: null,
          SoQD: '1234/QĐ-XPHC',
          NgayQD: '20261120',
          MaCoQuanQD: 'Đội CSGT số 1, Phòng CSGT Hà Nội',
          KhoBac: 'KBNN Hà Nội',
          MaLoaiHinhThuPhat: 'GT',
          PhiLePhi: [{ LoaiPhiLePhi: '3', MaPhiLePhi: '', TenPhiLePhi: 'Phạt vi phạm hành chính giao thông', SoTien: '4000000' }],
        });
      }),
    );
    const { request, locale, bankCode } = toCanonicalPayment(init, RETURN_URL);
    expect(request.kind).toBe('FINE');
    expect(request.fine).toEqual({ decisionNumber: '1234/QĐ-XPHC', decisionDate: '2026-11-20', decidingAgency: 'Đội CSGT số 1, Phòng CSGT Hà Nội', treasury: 'KBNN Hà Nội' });
    expect(request.payer).toEqual({ name: 'Nguyễn Văn Đức' });
    expect(request.items).toEqual([{ name: 'Phạt vi phạm hành chính giao thông', amount: 4000000 }]);
    expect(Object.keys(request)).not.toEqual(expect.arrayContaining(['dossierCode']));
    expect(Object.keys(request)).not.toEqual(expect.arrayContaining(['procedureCode']));
    expect(locale).toBe('en');
    expect(bankCode).toBe('VCB');
  });

  it('ignores the decision fields of a fee (OpenCPS fills NgayQD with today)', () => {
    const { request } = toCanonicalPayment(readInit(initBody((b) => (b['ThongTinBienLai'].NgayQD = '20261124'))), RETURN_URL);
    expect(request.fine).toBeUndefined();
  });

  it('takes payment groups a party declares beyond the default table', () => {
    const rules = { ...DEFAULT_PAYMENT_PLATFORM_RULES, serviceKinds: { ...DEFAULT_PAYMENT_PLATFORM_RULES.serviceKinds, '3': 'INSURANCE' as const } };
    const body = initBody((b) => (b['ThongTinBienLai'].MaDichVu = '3'));
    expect(readPortalMessage(body).ok).toBe(false);
    const reading = readPortalMessage(body, rules);
    if (!reading.ok || reading.message.LoaiBanTin !== 'INIT') throw new Error('refused');
    expect(toCanonicalPayment(reading.message, RETURN_URL, rules).request.kind).toBe('INSURANCE');
  });
});

describe('answers in the platform style', () => {
  it('answers an INIT with the payment URL inside a JSON string, as clients parse it twice', () => {
    const answer = initAnswer('https://lienthong.gov.vn/pay/pay_01J');
    expect(answer.error_code).toBe('0');
    expect(typeof answer.message).toBe('string');
    expect(JSON.parse(answer.message)).toEqual({ UrlThanhToan: 'https://lienthong.gov.vn/pay/pay_01J' });
  });

  it('refuses with distinct codes that are never a success code', () => {
    const codes = Object.values(PORTAL_REFUSALS).map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain('0');
    expect(codes).not.toContain('00');
    expect(errorAnswer('INVALID_SIGNATURE')).toEqual({ error_code: '01', message: 'Mã xác thực không hợp lệ' });
    expect(errorAnswer('MALFORMED', describeProblems([{ path: '/SoTien', message: 'is required' }]))).toEqual({ error_code: '02', message: 'Bản tin không hợp lệ: /SoTien is required' });
    expect(queryRefusal('UNKNOWN_REFERENCE')).toEqual({ MaLoi: '04', MoTaLoi: 'Không tìm thấy giao dịch với mã tham chiếu này' });
  });

  const query = lookupBody('QUERY') as unknown as QueryMessage;
  const paidAt = new Date('2026-11-24T07:12:30Z');

  it.each<[HubPaymentStatus, string]>([
    ['CREATED', '3'],
    ['PENDING', '3'],
    ['PAID', '1'],
    ['PARTIALLY_REFUNDED', '1'],
    ['REFUNDED', '1'],
    ['FAILED', '4'],
    ['EXPIRED', '4'],
    ['CANCELLED', '4'],
  ])('answers a QUERY about a %s payment with TrangThaiGD %s', (status, trangThai) => {
    const answer = queryAnswer(query, { status, amount: 150000, providerTransactionId: undefined, bankCode: undefined, paidAt: undefined, description: 'Nộp phí' }, SECRET);
    expect(answer.MaLoi).toBe('00');
    expect(answer.TrangThaiGD).toBe(trangThai);
  });

  it('answers a QUERY about a paid payment with the Confirm fields, signed in the Confirm order', () => {
    const answer = queryAnswer(query, { status: 'PAID', amount: 150000, providerTransactionId: '14422574', bankCode: 'NCB', paidAt, description: 'Nộp phí' }, SECRET);
    expect(answer).toEqual({
      LoaiBanTin: 'QUERY',
      MaLoi: '00',
      MoTaLoi: '',
      MaDoiTac: 'HN_ONESTOP',
      MaThamChieu: 'dvc00000000H26261124004220261124141000',
      SoTien: 150000,
      MaTienTe: 'VND',
      MaGiaoDich: '14422574',
      MaNganHang: 'NCB',
      ThoiGianGD: '20261124141230',
      ThongTinGiaoDich: 'Nộp phí',
      TrangThaiGD: '1',
      MaXacThuc: sha256(`QUERY|00|HN_ONESTOP|dvc00000000H26261124004220261124141000|150000|VND|14422574|NCB|20261124141230|Nộp phí|${SECRET}`),
    });
  });

  it('keeps the query time in the answer while the payment is not paid', () => {
    const answer = queryAnswer(query, { status: 'PENDING', amount: 150000, providerTransactionId: undefined, bankCode: undefined, paidAt: undefined, description: 'Nộp phí' }, SECRET);
    expect(answer.ThoiGianGD).toBe('20261124141000');
    expect(answer.MaGiaoDich).toBe('');
  });
});

describe('the Confirm message', () => {
  const partner = { partnerCode: 'HN_ONESTOP', secret: SECRET };
  const payment = {
    externalReference: 'dvc00000000H26261124004220261124141000',
    amount: 150000,
    providerTransactionId: '14422574',
    bankCode: 'NCB',
    paidAt: new Date('2026-11-24T17:05:09Z'),
    description: 'Nộp phí, lệ phí hồ sơ 000.00.00.H26-261124-0042',
    succeeded: true,
  };

  it('states a success with MaLoi 00, the time in GMT+7, and MaXacThuc in the documented order', () => {
    const confirm = confirmMessage(payment, partner);
    expect(confirm).toEqual({
      LoaiBanTin: 'CONFIRM',
      MaLoi: '00',
      MaDoiTac: 'HN_ONESTOP',
      MaThamChieu: 'dvc00000000H26261124004220261124141000',
      SoTien: 150000,
      MaTienTe: 'VND',
      MaGiaoDich: '14422574',
      MaNganHang: 'NCB',
      ThoiGianGD: '20261125000509',
      ThongTinGiaoDich: 'Nộp phí, lệ phí hồ sơ 000.00.00.H26-261124-0042',
      MaXacThuc: sha256(`CONFIRM|00|HN_ONESTOP|dvc00000000H26261124004220261124141000|150000|VND|14422574|NCB|20261125000509|Nộp phí, lệ phí hồ sơ 000.00.00.H26-261124-0042|${SECRET}`),
    });
  });

  it('states a failure with the configured failure code and no transaction id', () => {
    const confirm = confirmMessage({ ...payment, succeeded: false, providerTransactionId: undefined, bankCode: undefined }, partner, { ...DEFAULT_PAYMENT_PLATFORM_RULES, confirmFailureCode: '24' });
    expect(confirm.MaLoi).toBe('24');
    expect(confirm.MaXacThuc).toBe(sha256(`CONFIRM|24|HN_ONESTOP|dvc00000000H26261124004220261124141000|150000|VND|||20261125000509|Nộp phí, lệ phí hồ sơ 000.00.00.H26-261124-0042|${SECRET}`));
  });

  describe('the agency echo', () => {
    const sent: ConfirmMessage = confirmMessage(payment, partner);
    const echo = { MaLoi: sent.MaLoi, MoTaLoi: '', MaDoiTac: sent.MaDoiTac, ThoiGianGD: sent.ThoiGianGD, MaXacThuc: sent.MaXacThuc };

    it('acknowledges the echo of what was sent, in PascalCase, camelCase or as text', () => {
      expect(readConfirmEcho(echo, sent)).toEqual({ acknowledged: true });
      const camel = { maLoi: echo.MaLoi, moTaLoi: '', maDoiTac: echo.MaDoiTac, thoiGianGD: echo.ThoiGianGD, maXacThuc: echo.MaXacThuc };
      expect(readConfirmEcho(camel, sent)).toEqual({ acknowledged: true });
      expect(readConfirmEcho(JSON.stringify(echo), sent)).toEqual({ acknowledged: true });
    });

    it.each<[string, Record<string, unknown>]>([
      ['another MaXacThuc', { ...echo, MaXacThuc: sha256('khác') }],
      ['a truncated MaXacThuc', { ...echo, MaXacThuc: echo.MaXacThuc.slice(0, 40) }],
      ['no MaXacThuc', { ...echo, MaXacThuc: undefined }],
      ['another partner', { ...echo, MaDoiTac: 'HCM_ONESTOP' }],
      ['another time', { ...echo, ThoiGianGD: '20261125000510' }],
      ['another MaLoi', { ...echo, MaLoi: '01' }],
    ])('does not acknowledge an echo with %s', (_, body) => {
      expect(readConfirmEcho(body, sent)).toEqual({ acknowledged: false, reason: expect.any(String) });
    });

    it.each([null, 'Mã xác thực không chính xác', '[]', 42, ['00']])('does not acknowledge %p without throwing', (body) => {
      expect(readConfirmEcho(body, sent).acknowledged).toBe(false);
    });
  });
});

describe('portal times', () => {
  it('writes instants in GMT+7 and reads them back, across midnight', () => {
    expect(toPortalTime(new Date('2026-12-31T17:30:00Z'))).toBe('20270101003000');
    expect(fromPortalTime('20270101003000')).toEqual(new Date('2026-12-31T17:30:00Z'));
  });

  it.each(['20260229120000', '00261124141000', '20261124141060', '2026112414100a'])('refuses %s', (text) => {
    expect(fromPortalTime(text)).toBeUndefined();
  });

  it('takes 29 February of a leap year', () => {
    expect(fromPortalTime('20280229120000')).toEqual(new Date('2028-02-29T05:00:00Z'));
  });
});
