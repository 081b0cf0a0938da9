import { isAgencyCode, isDossierCode } from '../dvcqg/dvcqg-codes';
import type { InboundContext, InboundItem, InboundRequest, OneStopAdapter } from '../onestop-adapter';
import { MOTCUA_NS, answerLookup, answerRefusal, answerSync, readSubmissionAnswer, toHoSo } from './vendor-soap-answers';
import { type SyncContext, translateHoSo, translateTienDo } from './vendor-soap-sync';
import { SOAP_CONTENT_TYPE, XmlProblem, XmlReader, isElement, readSoapEnvelope, soapEnvelope } from './vendor-soap-xml';

/**
 * A one-stop vendor's SOAP 1.1 web service ("Một cửa điện tử" v2, namespace `urn:motcua:v2`),
 * as Vietnamese one-stop products built on .NET/Java web services expose it. No vendor's WSDL
 * is public; this format is the hub's own design, realistic in shape and documented here, and
 * proves that a second native format needs no change outside its folder.
 *
 * POST, `Content-Type: text/xml; charset=utf-8`, `SOAPAction: "urn:motcua:v2/<operation>"`
 * (the hub reads the operation from the body, not from SOAPAction):
 *
 *   <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
 *     <soap:Header><XacThuc xmlns="urn:motcua:v2"><MaPhien>session token</MaPhien></XacThuc></soap:Header>   (optional)
 *     <soap:Body>
 *       <DongBoHoSo xmlns="urn:motcua:v2">
 *         <MaDonVi>000.00.00.H26</MaDonVi>                      sending agency (optional)
 *         <DanhSachHoSo>
 *           <HoSo>                                              1 to 1,000
 *             <MaHoSo>000.00.00.H26-261124-0042</MaHoSo>
 *             <MaThuTuc>1.001193</MaThuTuc> <TenThuTuc>…</TenThuTuc> <MaLinhVuc>…</MaLinhVuc>
 *             <KenhThucHien>2</KenhThucHien>                    1 direct, 2 online, 3 postal
 *             <NguoiNop><HoTen/><LoaiDoiTuong>1</LoaiDoiTuong><SoGiayTo/><DienThoai/><Email/></NguoiNop>
 *             <TrichYeu>…</TrichYeu>
 *             <NgayTiepNhan>2026-11-24T08:30:15</NgayTiepNhan> <NgayHenTra>…</NgayHenTra>
 *             <TrangThai>4</TrangThai>                          portal status code 1–10
 *             <ThoiDiemTrangThai>…</ThoiDiemTrangThai>          when that status was reached (optional: else the receive time, to the second)
 *             <ThuTu>7</ThuTu>                                  the status event's sequence (optional)
 *             <GiayToNop><GiayTo><MaThanhPhan/><TenGiayTo/><MaBam/>(SHA-256 hex)<DuongDan/><DaSoHoa/><TaiSuDung/></GiayTo>…</GiayToNop>
 *             <LePhi><KhoanPhi><MaPhi/><TenPhi/><SoTien/>(VND)<ThanhToanTrucTuyen/></KhoanPhi>…</LePhi>
 *             <KetQuaGiaiQuyet>                                 the decision (optional)
 *               <KetLuan>1</KetLuan>                            1 granted, 2 refused
 *               <SoQuyetDinh/><NgayBanHanh/><NguoiKy/><ChucVuNguoiKy/>
 *               <HinhThucTra>3</HinhThucTra>                    1 in person, 2 postal, 3 electronic
 *               <GhiChu/>
 *               <DanhSachTep><Tep><TenTep/><LoaiTep/>(media type)<MaBam/><DuongDan/><KichThuoc/><MaKetQua/></Tep>…</DanhSachTep>
 *             </KetQuaGiaiQuyet>
 *           </HoSo>
 *         </DanhSachHoSo>
 *       </DongBoHoSo>
 *     </soap:Body>
 *   </soap:Envelope>
 *
 * - `CapNhatTienDo`: `<MaDonVi/>` and `<DanhSachTienDo><TienDo>` steps: `<MaHoSo/> <TrangThai/>
 *   <ThoiDiem/> <ThuTu/> <CanBo><HoTen/><ChucVu/><PhongBan/></CanBo> <NoiDung/> <HanTraMoi/>
 *   (a new promised date) <YeuCauBoSung><LyDo/><NgayYeuCau/><NgayHoanThanh/></YeuCauBoSung>`.
 * - `TraCuuHoSo`: `<MaDonVi/>` and one `<MaHoSo>` per dossier asked for.
 * Times are xs:dateTime in Vietnam's wall clock (vendor-soap-dates.ts); booleans xs:boolean.
 *
 * Answers: `<soap:Body><KetQua xmlns="urn:motcua:v2"><MaLoi>0</MaLoi><MoTa/>` (+ `<DanhSachLoi>
 * <Loi><ViTri/><MaHoSo/><MaLoi>canonical code</MaLoi><MoTa/></Loi>` when MaLoi is 1, or
 * `<DanhSachHoSo><HoSo>` for a look-up); a message refused as a whole gets a SOAP Fault.
 * Problems name their element by XPath (`/DongBoHoSo/DanhSachHoSo/HoSo[2]/NgayTiepNhan`).
 */

export const MAX_ITEMS = 1000;

const OPERATIONS = {
  DongBoHoSo: { list: 'DanhSachHoSo', item: 'HoSo', translate: translateHoSo },
  CapNhatTienDo: { list: 'DanhSachTienDo', item: 'TienDo', translate: translateTienDo },
} as const;

const refused = (code: 'MALFORMED' | 'UNKNOWN_SERVICE' | 'TOO_LARGE', message: string): InboundRequest => ({ operation: 'refused', code, message });

export const vendorSoapAdapter: OneStopAdapter = {
  id: 'vendor-soap',
  read: readMessage,
  answerSync,
  answerLookup,
  answerRefusal,
  renderSubmission: (dossier, { agencyCode }) => ({
    contentType: SOAP_CONTENT_TYPE,
    body: soapEnvelope({ DongBoHoSo: { '@_xmlns': MOTCUA_NS, MaDonVi: agencyCode, DanhSachHoSo: { HoSo: [toHoSo(dossier)] } } }),
  }),
  readSubmissionAnswer,
};

function readMessage(body: string, context: InboundContext): InboundRequest {
  const envelope = readSoapEnvelope(body);
  if (!envelope.ok) return refused('MALFORMED', envelope.message);
  const { operation } = envelope;
  const message = new XmlReader(envelope.body, `/${operation}`);
  try {
    const agencyCode = message.text('MaDonVi');
    if (agencyCode !== undefined && !isAgencyCode(agencyCode)) return refused('MALFORMED', `${message.pathOf('MaDonVi')} must be an agency code such as 000.00.00.H26`);
    const token = envelope.header === undefined ? undefined : new XmlReader(envelope.header, '/Header').child('XacThuc')?.text('MaPhien');
    const session = token === undefined ? {} : { session: token };

    if (operation === 'TraCuuHoSo') {
      const asked = message.values('MaHoSo');
      if (asked.length === 0) return refused('MALFORMED', `${message.pathOf('MaHoSo')} is required`);
      if (asked.length > MAX_ITEMS) return refused('TOO_LARGE', `${asked.length} dossiers asked for; at most ${MAX_ITEMS} per message`);
      const dossierCodes: string[] = [];
      for (const [index, value] of asked.entries()) {
        const code = typeof value === 'string' ? value.trim() : '';
        if (!isDossierCode(code)) return refused('MALFORMED', `${message.pathOf('MaHoSo')}[${index + 1}] must be a dossier code such as 000.00.00.H26-261124-0042`);
        if (!dossierCodes.includes(code)) dossierCodes.push(code);
      }
      return { operation: 'lookup', agencyCode: agencyCode ?? '', ...session, dossierCodes };
    }

    if (operation !== 'DongBoHoSo' && operation !== 'CapNhatTienDo') {
      return refused('UNKNOWN_SERVICE', `operation ${operation.slice(0, 64)} is not served here; use DongBoHoSo, CapNhatTienDo or TraCuuHoSo`);
    }
    const { list, item, translate } = OPERATIONS[operation];
    const holder = message.child(list);
    const count = holder?.count(item) ?? 0;
    if (count > MAX_ITEMS) return refused('TOO_LARGE', `${message.pathOf(list)} holds ${count} items; at most ${MAX_ITEMS} per message`);
    const sync: SyncContext = { agencyCode, receivedAt: context.receivedAt };
    const items = (holder?.values(item) ?? []).map((value, index): InboundItem => {
      const path = `${message.pathOf(list)}/${item}[${index + 1}]`;
      if (value !== '' && !isElement(value)) return { index, dossierCode: '', commands: [], problem: { path, message: 'must hold elements' } };
      return translate(new XmlReader(isElement(value) ? value : {}, path), index, sync);
    });
    return { operation: 'sync', agencyCode: agencyCode ?? '', ...session, items };
  } catch (error) {
    if (!(error instanceof XmlProblem)) throw error;
    return refused('MALFORMED', `${error.path} ${error.message}`);
  }
}
