import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { NativeAnswer } from '../../adapters/onestop/onestop-adapter';
import { vendorSoapAdapter } from '../../adapters/onestop/vendor-soap/vendor-soap-adapter';
import { commandErrors, describeOneStopContract, dossierViewOf, syncItems } from '../support/onestop-contract';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../fixtures/vendor-soap', name), 'utf8');
const DONG_BO = fixture('DongBoHoSo.request.xml');
const TIEN_DO = fixture('CapNhatTienDo.request.xml');
const TRA_CUU = fixture('TraCuuHoSo.request.xml');

const context = { receivedAt: new Date('2026-11-25T03:04:05.678Z') };
const RECEIVE_SECOND = '2026-11-25T10:04:05+07:00';
const BUILDING = '000.00.21.H56-261120-0007';
const BUSINESS = '000.00.21.H56-261102-0031';

const envelope = (body: string, prolog = '') =>
  `<?xml version="1.0" encoding="utf-8"?>${prolog}<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;
const hoSo = (fields: string) =>
  `<HoSo><MaThuTuc>1.001612</MaThuTuc><KenhThucHien>2</KenhThucHien><NguoiNop><HoTen>Trần An</HoTen><LoaiDoiTuong>1</LoaiDoiTuong></NguoiNop><NgayTiepNhan>2026-11-24T08:30:15</NgayTiepNhan>${fields}</HoSo>`;
const dongBo = (...items: string[]) => envelope(`<DongBoHoSo xmlns="urn:motcua:v2"><MaDonVi>000.00.00.H56</MaDonVi><DanhSachHoSo>${items.join('')}</DanhSachHoSo></DongBoHoSo>`);
const readItems = (body: string) => syncItems(vendorSoapAdapter.read(body, context));
const readOne = (fields: string) => readItems(dongBo(hoSo(fields)))[0]!;

const answerParser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false });
const answerOf = (answer: NativeAnswer) => (answerParser.parse(answer.body) as { Envelope: { Body: Record<string, Record<string, unknown>> } }).Envelope.Body;

describeOneStopContract('vendor-soap', {
  adapter: vendorSoapAdapter,
  fixtures: [
    { name: 'DongBoHoSo.request.xml', body: DONG_BO, expectItems: 2 },
    { name: 'CapNhatTienDo.request.xml', body: TIEN_DO, expectItems: 2 },
  ],
  unknownStatusBody: dongBo(hoSo(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>2</TrangThai>`), hoSo(`<MaHoSo>${BUSINESS}</MaHoSo><TrangThai>15</TrangThai>`)),
  unknownStatusPath: '/DongBoHoSo/DanhSachHoSo/HoSo[2]/TrangThai',
  badDateBody: dongBo(
    hoSo(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>2</TrangThai>`),
    hoSo(`<MaHoSo>${BUSINESS}</MaHoSo><TrangThai>4</TrangThai><ThoiDiemTrangThai>2026-02-30T10:00:00</ThoiDiemTrangThai>`),
  ),
  badDatePath: '/DongBoHoSo/DanhSachHoSo/HoSo[2]/ThoiDiemTrangThai',
  lookupBody: TRA_CUU,
  lookupCodes: [BUILDING, BUSINESS],
  tooLargeBody: dongBo(...Array.from({ length: 1001 }, (_, i) => hoSo(`<MaHoSo>000.00.21.H56-261120-${i}</MaHoSo><TrangThai>2</TrangThai>`))),
  garbage: [
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>',
    envelope('<DongBoHoSo/><CapNhatTienDo/>'),
    envelope('<LayDanhMucThuTuc xmlns="urn:motcua:v2"/>'),
    envelope('<TraCuuHoSo xmlns="urn:motcua:v2"><MaHoSo>abc</MaHoSo></TraCuuHoSo>'),
    envelope('<TraCuuHoSo xmlns="urn:motcua:v2"/>'),
    envelope('<DongBoHoSo><MaDonVi>H56</MaDonVi></DongBoHoSo>'),
    envelope('<DongBoHoSo><MaDonVi>a</MaDonVi><MaDonVi>b</MaDonVi></DongBoHoSo>'),
    '<HoSo><MaHoSo>000.00.21.H56-261120-0007</MaHoSo></HoSo>',
    '{"service":"DongBoHoSoMC","data":[]}',
    DONG_BO.replace('</soap:Envelope>', ''),
  ],
  saysAllAccepted: (answer) => {
    const body = answerOf(answer);
    return answer.status === 200 && body['KetQua']?.['MaLoi'] === '0';
  },
  submissionAnswers: {
    accepted: { status: 200, body: envelope('<KetQua xmlns="urn:motcua:v2"><MaLoi>0</MaLoi><MoTa>Đã tiếp nhận</MoTa></KetQua>') },
    refused: {
      status: 500,
      body: envelope('<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Thủ tục không tồn tại</faultstring></soap:Fault>'),
    },
  },
});

describe('vendor-soap: DongBoHoSo', () => {
  it('reads the recorded envelope: session, agency, headers, status times, sequence and the decision', () => {
    const request = vendorSoapAdapter.read(DONG_BO, context);
    expect(request).toMatchObject({ operation: 'sync', agencyCode: '000.00.00.H56', session: '5f0c2a7e-9d1b-4c61-8a3e-2b7f4d9c1e08' });
    const [building, business] = syncItems(request);
    expect(building!.commands).toEqual([
      {
        kind: 'upsert',
        dossierCode: BUILDING,
        header: {
          agencyCode: '000.00.21.H56',
          procedureCode: '2.002621.H56',
          procedureName: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
          sectorCode: 'XD-QH',
          channel: 'DIRECT',
          applicant: { type: 'CITIZEN', name: 'Lê Văn Hùng', idNumber: '038085001234', phone: '0983 456 789', email: 'hung.lv@example.vn' },
          summary: 'Xin cấp phép xây dựng nhà ở 3 tầng tại phường Hạc Thành & sửa cổng',
          receivedAt: '2026-11-20T09:15:00+07:00',
          dueAt: '2026-12-04T17:00:00+07:00',
          documents: [
            {
              code: 'TP01',
              name: 'Đơn đề nghị cấp giấy phép xây dựng',
              sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
              url: 'https://motcua.thanhhoa.example/tep/7781',
              digitized: true,
              reused: false,
            },
            { code: 'TP02', name: 'Bản vẽ thiết kế', digitized: true, reused: false },
          ],
          fees: [{ code: 'LPXD', name: 'Lệ phí cấp giấy phép xây dựng', amount: 75000, paidOnline: false }],
        },
      },
      // .NET's seven fraction digits are cut to milliseconds.
      { kind: 'event', dossierCode: BUILDING, event: { status: 'PROCESSING', occurredAt: '2026-11-21T10:02:37.123+07:00', sequence: 2 } },
    ]);
    expect(business!.commands.map((c) => c.kind)).toEqual(['upsert', 'event', 'result']);
    expect(business!.commands[0]).toMatchObject({ header: { channel: 'ONLINE', applicant: { type: 'ENTERPRISE', name: 'Công ty TNHH Minh & Cộng sự', idNumber: '2801234567' } } });
    expect(business!.commands[1]).toEqual({ kind: 'event', dossierCode: BUSINESS, event: { status: 'RESOLVED', occurredAt: '2026-11-05T16:20:00+07:00' } });
    expect(business!.commands[2]).toEqual({
      kind: 'result',
      dossierCode: BUSINESS,
      result: {
        outcome: 'GRANTED',
        decisionNumber: '28H8012345',
        issuedAt: '2026-11-05T16:20:00+07:00',
        issuer: { agencyCode: '000.00.21.H56', signerName: 'Phạm Thị Thu', signerTitle: 'Phó Trưởng phòng Tài chính - Kế hoạch' },
        documents: [
          {
            name: 'giay-chung-nhan-dkhkd.pdf',
            mediaType: 'application/pdf',
            sha256: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
            url: 'https://motcua.thanhhoa.example/ketqua/28H8012345.pdf',
            size: 184233,
            resultCode: 'KQ-HKD-28H8012345',
          },
        ],
        returnMethod: 'ELECTRONIC',
      },
    });
  });

  it('maps every status code; anything else is the item’s problem', () => {
    const names = ['SUBMITTED', 'RECEIVED', 'REJECTED', 'PROCESSING', 'SUPPLEMENT_REQUESTED', 'PAYMENT_REQUESTED', 'WITHDRAWAL_REQUESTED', 'STOPPED', 'RESOLVED', 'RESULT_RETURNED'];
    names.forEach((status, i) => expect(readOne(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>${i + 1}</TrangThai>`).commands[1]).toMatchObject({ event: { status } }));
    for (const code of ['0', '11', '-4', 'bốn', '4.0', '']) {
      expect(readOne(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>${code}</TrangThai>`).problem?.path).toBe('/DongBoHoSo/DanhSachHoSo/HoSo[1]/TrangThai');
    }
  });

  it('dates a status without ThoiDiemTrangThai by the receive time, cut to the second', () => {
    expect(readOne(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>4</TrangThai>`).commands[1]).toEqual({ kind: 'event', dossierCode: BUILDING, event: { status: 'PROCESSING', occurredAt: RECEIVE_SECOND } });
  });

  it.each([
    ['2026-11-24T08:30:15', '2026-11-24T08:30:15+07:00'],
    ['2026-11-24T08:30:15.5', '2026-11-24T08:30:15.500+07:00'],
    ['2026-11-24T08:30:15Z', '2026-11-24T15:30:15+07:00'],
    ['2026-11-24T20:30:15-05:00', '2026-11-25T08:30:15+07:00'],
    ['2026-11-24T08:30:15+07:00', '2026-11-24T08:30:15+07:00'],
    ['2028-02-29T00:00:00', '2028-02-29T00:00:00+07:00'],
  ])('converts the xs:dateTime %s to %s', (time, rfc3339) => {
    expect(readOne(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>4</TrangThai><ThoiDiemTrangThai>${time}</ThoiDiemTrangThai>`).commands[1]).toMatchObject({ event: { occurredAt: rfc3339 } });
  });

  it.each(['2026-02-29T00:00:00', '2026-13-01T00:00:00', '2026-11-24T24:00:00', '2026-11-24 08:30:15', '20261124083015', '2026-11-24', '2026-11-24T08:30:15+15:00', '2026-11-24T08:30'])(
    'refuses the xs:dateTime %s naming the element',
    (time) => {
      expect(readOne(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>4</TrangThai><NgayHenTra>${time}</NgayHenTra>`).problem).toEqual({
        path: '/DongBoHoSo/DanhSachHoSo/HoSo[1]/NgayHenTra',
        message: expect.stringContaining('xs:dateTime'),
      });
    },
  );

  it('refuses an element given twice, or holding elements where text belongs, as the item’s problem', () => {
    expect(readOne(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>4</TrangThai><TrangThai>5</TrangThai>`).problem).toEqual({ path: '/DongBoHoSo/DanhSachHoSo/HoSo[1]/TrangThai', message: 'must appear at most once' });
    expect(readOne(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai><Ma>4</Ma></TrangThai>`).problem?.path).toBe('/DongBoHoSo/DanhSachHoSo/HoSo[1]/TrangThai');
    const items = readItems(dongBo(hoSo(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>2</TrangThai>`), '<HoSo>text</HoSo>'));
    expect(items.map((item) => [item.index, item.problem?.path])).toEqual([
      [0, undefined],
      [1, '/DongBoHoSo/DanhSachHoSo/HoSo[2]'],
    ]);
  });

  it('validates its commands against the canonical schemas, a refused decision included', () => {
    const item = readOne(
      `<MaHoSo>${BUSINESS}</MaHoSo><TrangThai>9</TrangThai><KetQuaGiaiQuyet><KetLuan>2</KetLuan><NgayBanHanh>2026-11-05T16:20:00</NgayBanHanh><DanhSachTep><Tep><TenTep>van-ban-tu-choi.pdf</TenTep></Tep></DanhSachTep></KetQuaGiaiQuyet>`,
    );
    expect(item.commands[2]).toMatchObject({ result: { outcome: 'REFUSED', documents: [{ name: 'van-ban-tu-choi.pdf', mediaType: null, sha256: null }] } });
    for (const command of item.commands) expect(commandErrors(command)).toEqual([]);
    expect(readOne(`<MaHoSo>${BUSINESS}</MaHoSo><TrangThai>9</TrangThai><KetQuaGiaiQuyet><KetLuan>3</KetLuan></KetQuaGiaiQuyet>`).problem?.path).toBe(
      '/DongBoHoSo/DanhSachHoSo/HoSo[1]/KetQuaGiaiQuyet/KetLuan',
    );
  });
});

describe('vendor-soap: XML safety', () => {
  it('refuses an external entity (XXE) without reading it', () => {
    const xxe = envelope(
      `<DongBoHoSo xmlns="urn:motcua:v2"><DanhSachHoSo>${hoSo('<MaHoSo>&xxe;</MaHoSo><TrangThai>2</TrangThai>')}</DanhSachHoSo></DongBoHoSo>`,
      '<!DOCTYPE Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    );
    const request = vendorSoapAdapter.read(xxe, context);
    expect(request).toEqual({ operation: 'refused', code: 'MALFORMED', message: expect.stringContaining('DOCTYPE') });
    expect(JSON.stringify(request)).not.toContain('root:');
  });

  it('refuses a billion-laughs payload at once', () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)].join('');
    const bomb = envelope(`<DongBoHoSo xmlns="urn:motcua:v2"><MaDonVi>&lol9;</MaDonVi></DongBoHoSo>`, `<!DOCTYPE lolz [${lol}]>`);
    const started = process.hrtime.bigint();
    expect(vendorSoapAdapter.read(bomb, context)).toMatchObject({ operation: 'refused', code: 'MALFORMED' });
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
    // Hidden after a comment, or in lower case, it is still a DTD.
    expect(vendorSoapAdapter.read(bomb.replace('<!DOCTYPE', '<!-- x --><!doctype'), context)).toMatchObject({ operation: 'refused', code: 'MALFORMED' });
  });

  it('never expands an undeclared entity; decodes the predefined ones and character references', () => {
    expect(readOne('<MaHoSo>&xxe;</MaHoSo><TrangThai>2</TrangThai>').problem).toEqual({ path: '/DongBoHoSo/DanhSachHoSo/HoSo[1]/MaHoSo', message: expect.stringContaining('entity') });
    const item = readOne(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>2</TrangThai><TrichYeu>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#272;&#x1EA1;i</TrichYeu>`);
    expect(item.commands[0]).toMatchObject({ header: { summary: `a <b> & "c" 'd' Đại` } });
    expect(readOne(`<MaHoSo>${BUILDING}</MaHoSo><TrangThai>2</TrangThai><TrichYeu>&#0;</TrichYeu>`).problem?.path).toBe('/DongBoHoSo/DanhSachHoSo/HoSo[1]/TrichYeu');
  });
});

describe('vendor-soap: CapNhatTienDo, TraCuuHoSo and answers', () => {
  it('reads progress steps with officer, sequence, new due date and supplement request', () => {
    const [step, supplement] = readItems(TIEN_DO);
    expect(step!.commands).toEqual([
      {
        kind: 'event',
        dossierCode: BUILDING,
        event: {
          status: 'PROCESSING',
          occurredAt: '2026-11-23T08:45:00+07:00',
          sequence: 3,
          actor: { name: 'Nguyễn Thị Mai', title: 'Chuyên viên', unit: 'Phòng Quản lý đô thị' },
          note: 'Chuyển thẩm định hồ sơ thiết kế',
        },
      },
    ]);
    expect(supplement!.commands[0]).toMatchObject({
      event: {
        status: 'SUPPLEMENT_REQUESTED',
        sequence: 4,
        actor: { name: 'Nguyễn Thị Mai' },
        dueAt: '2026-12-09T17:00:00+07:00',
        supplement: { reason: 'Thiếu bản vẽ mặt bằng móng tỷ lệ 1/100', requestedAt: '2026-11-25T15:10:00+07:00' },
      },
    });
    const missingTime = TIEN_DO.replace('<ThoiDiem>2026-11-23T08:45:00</ThoiDiem>', '');
    expect(readItems(missingTime)[0]!.problem?.path).toBe('/CapNhatTienDo/DanhSachTienDo/TienDo[1]/ThoiDiem');
  });

  it('reads a look-up of several dossiers', () => {
    expect(vendorSoapAdapter.read(TRA_CUU, context)).toEqual({ operation: 'lookup', agencyCode: '000.00.00.H56', dossierCodes: [BUILDING, BUSINESS] });
  });

  it('answers a look-up with the dossiers in the vendor’s elements, times in local xs:dateTime', () => {
    const view = dossierViewOf(
      BUILDING,
      {
        agencyCode: '000.00.21.H56',
        procedureCode: '2.002621.H56',
        channel: 'DIRECT',
        applicant: { type: 'CITIZEN', name: 'Lê Văn <Hùng> & co', idNumber: '********1234' },
        receivedAt: '2026-11-20T02:15:00Z',
      },
      [
        { status: 'RECEIVED', occurredAt: '2026-11-20T09:15:00+07:00' },
        { status: 'PROCESSING', occurredAt: '2026-11-21T10:02:37+07:00' },
      ],
    );
    const answer = vendorSoapAdapter.answerLookup([view], [BUILDING, BUSINESS]);
    expect(answer).toMatchObject({ status: 200, contentType: 'text/xml; charset=utf-8' });
    expect(answerOf(answer)).toEqual({
      KetQua: {
        MaLoi: '0',
        MoTa: '1 of 2 dossier(s) found',
        DanhSachHoSo: {
          HoSo: {
            MaHoSo: BUILDING,
            MaThuTuc: '2.002621.H56',
            KenhThucHien: '1',
            NguoiNop: { HoTen: 'Lê Văn <Hùng> & co', LoaiDoiTuong: '1', SoGiayTo: '********1234' },
            NgayTiepNhan: '2026-11-20T09:15:00',
            TrangThai: '4',
            ThoiDiemTrangThai: '2026-11-21T10:02:37',
          },
        },
      },
    });
  });

  it('answers MaLoi 0 when all items were accepted, else 1 with each refused item by position', () => {
    expect(answerOf(vendorSoapAdapter.answerSync([{ index: 0, dossierCode: BUILDING, status: 201 }]))).toEqual({ KetQua: { MaLoi: '0', MoTa: '1 item(s) accepted' } });
    const answer = vendorSoapAdapter.answerSync([
      { index: 0, dossierCode: BUILDING, status: 200 },
      { index: 1, dossierCode: BUSINESS, status: 409, code: 'STALE_EVENT', detail: 'older than the latest applied event' },
    ]);
    expect(answer.status).toBe(200);
    expect(answerOf(answer)).toEqual({
      KetQua: { MaLoi: '1', MoTa: '1 of 2 item(s) refused', DanhSachLoi: { Loi: { ViTri: '2', MaHoSo: BUSINESS, MaLoi: 'STALE_EVENT', MoTa: 'older than the latest applied event' } } },
    });
  });

  it('refuses a message as a whole with a SOAP 1.1 fault', () => {
    const client = vendorSoapAdapter.answerRefusal('UNAUTHENTICATED', 'MaPhien hết hạn');
    expect(client.status).toBe(500);
    expect(answerOf(client)).toEqual({ Fault: { faultcode: 'soap:Client', faultstring: 'MaPhien hết hạn', detail: { Loi: { MaLoi: 'UNAUTHENTICATED' } } } });
    expect(answerOf(vendorSoapAdapter.answerRefusal('RETRY_LATER', 'busy'))['Fault']).toMatchObject({ faultcode: 'soap:Server' });
  });

  it('renders a submission as a DongBoHoSo the receiving system reads, and reads its fault', () => {
    const view = dossierViewOf(
      BUSINESS,
      { agencyCode: '000.00.21.H56', procedureCode: '1.001612', channel: 'ONLINE', applicant: { type: 'ENTERPRISE', name: 'Công ty TNHH Minh & Cộng sự' }, receivedAt: '2026-11-02T14:40:00+07:00' },
      [{ status: 'SUBMITTED', occurredAt: '2026-11-02T14:40:00+07:00' }],
    );
    const rendered = vendorSoapAdapter.renderSubmission(view, { agencyCode: '000.00.21.H56' });
    expect(rendered.contentType).toBe('text/xml; charset=utf-8');
    expect(answerOf({ status: 200, ...rendered })).toEqual({
      DongBoHoSo: {
        MaDonVi: '000.00.21.H56',
        DanhSachHoSo: {
          HoSo: {
            MaHoSo: BUSINESS,
            MaThuTuc: '1.001612',
            KenhThucHien: '2',
            NguoiNop: { HoTen: 'Công ty TNHH Minh & Cộng sự', LoaiDoiTuong: '2' },
            NgayTiepNhan: '2026-11-02T14:40:00',
            TrangThai: '1',
            ThoiDiemTrangThai: '2026-11-02T14:40:00',
          },
        },
      },
    });
    const fault = vendorSoapAdapter.answerRefusal('FORBIDDEN', 'Đơn vị không có quyền');
    expect(vendorSoapAdapter.readSubmissionAnswer(fault.status, fault.body)).toEqual({ accepted: false, reason: 'HTTP 500, SOAP fault: Đơn vị không có quyền' });
  });
});
