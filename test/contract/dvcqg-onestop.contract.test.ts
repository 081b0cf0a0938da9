import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dvcqgAdapter } from '../../adapters/onestop/dvcqg/dvcqg-adapter';
import type { InboundItem, ItemOutcome } from '../../adapters/onestop/onestop-adapter';
import { commandErrors, describeOneStopContract, dossierViewOf, syncItems } from '../support/onestop-contract';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../fixtures/dvcqg', name), 'utf8');
const DONG_BO = fixture('DongBoHoSoMC.request.json');
const TIEN_DO = fixture('CapNhatTienDoHoSoMC.request.json');
const recordedItem = (JSON.parse(DONG_BO) as { data: Record<string, unknown>[] }).data[0]!;

const CODE = '000.00.00.H26-261124-0042';
/** 2026-11-25T10:04:05.678+07:00: a status without its own time takes this, cut to the second. */
const context = { receivedAt: new Date('2026-11-25T03:04:05.678Z') };
const RECEIVE_SECOND = '2026-11-25T10:04:05+07:00';

const message = (service: string, data: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session: 'sess-1', madonvi: '000.00.00.H26', service, ...(service === 'DongBoHoSoMC' && { isUpdating: 'False' }), data, ...extra });
const dossierItem = (changes: Record<string, unknown> = {}) => ({ ...recordedItem, ...changes });
const readItems = (body: string) => syncItems(dvcqgAdapter.read(body, context));
const readOne = (changes: Record<string, unknown>) => readItems(message('DongBoHoSoMC', [dossierItem(changes)]))[0]!;
const commandsOf = (item: InboundItem, kind: string) => item.commands.filter((c) => c.kind === kind);

/** A resolved and returned dossier with its result papers, written with numbers where senders use them. */
const RETURNED = dossierItem({
  MaHoSo: '000.00.00.H26-261120-0007',
  TrangThaiHoSo: 10,
  KenhThucHien: 1,
  LoaiDoiTuong: 1,
  NgayTiepNhan: '20261120091500',
  NgayHenTra: '20261204170000',
  NgayKetThucXuLy: '20261126160000',
  NgayTra: '20261127083000',
  DanhSachGiayToKetQua: [
    { TenGiayTo: 'Giấy khai sinh', MaThanhPhanHoSo: 'KQ01', GiayToId: 'g-1', DuongDanTepTinKetQua: 'https://onestop.hanoi.example/kq/g-1', MaGiayToKetQua: 'KS-2026-000123' },
    { TenGiayTo: 'Trích lục khai sinh', GiayToId: 'g-2', DuongDanTepTinKetQua: '' },
  ],
});

describeOneStopContract('dvcqg', {
  adapter: dvcqgAdapter,
  fixtures: [
    { name: 'DongBoHoSoMC.request.json', body: DONG_BO, expectItems: 1 },
    { name: 'CapNhatTienDoHoSoMC.request.json', body: TIEN_DO, expectItems: 1 },
    { name: 'DongBoHoSoMC with a returned result', body: message('DongBoHoSoMC', [RETURNED]), expectItems: 1 },
  ],
  unknownStatusBody: message('DongBoHoSoMC', [dossierItem(), dossierItem({ MaHoSo: '000.00.00.H26-261124-0043', TrangThaiHoSo: '11' })]),
  unknownStatusPath: '/data/1/TrangThaiHoSo',
  badDateBody: message('DongBoHoSoMC', [
    dossierItem(),
    dossierItem({ MaHoSo: '000.00.00.H26-261124-0043' }),
    dossierItem({ MaHoSo: '000.00.00.H26-261124-0044' }),
    dossierItem({ MaHoSo: '000.00.00.H26-261124-0045', NgayTiepNhan: '20260230083015' }),
  ]),
  badDatePath: '/data/3/NgayTiepNhan',
  lookupBody: JSON.stringify({ session: 'sess-1', madonvi: '000.00.00.H26', service: 'TraCuuHoSo', MaHoSo: CODE }),
  lookupCodes: [CODE],
  tooLargeBody: message('DongBoHoSoMC', Array.from({ length: 1001 }, () => recordedItem)),
  garbage: [
    '{"service":"DongBoHoSoMC"}',
    '{"service":"DongBoHoSoMC","data":{}}',
    '{"service":42,"data":[]}',
    '{"service":"LayThuTuc","maTTHC":"1.001193"}',
    '{"service":"DongBoHoSoMC","madonvi":"H26","data":[]}',
    '{"service":"DongBoHoSoMC","isUpdating":"Maybe","data":[]}',
    '{"service":"TraCuuHoSo","MaHoSo":"not a code"}',
    '{"service":"TraCuuHoSo"}',
    '{"__proto__":{"service":"DongBoHoSoMC"},"data":[]}',
  ],
  saysAllAccepted: (answer) => {
    const body = JSON.parse(answer.body) as { error_code?: unknown };
    return answer.status === 200 && body.error_code === 0;
  },
  submissionAnswers: {
    accepted: { status: 200, body: '{"error_code":0,"message":"Thành công"}' },
    refused: { status: 200, body: '{"error_code":-1,"message":"Mã TTHC không tồn tại"}' },
  },
});

describe('dvcqg: DongBoHoSoMC', () => {
  it('reads the recorded dossier into exactly the header and the status it carries', () => {
    const request = dvcqgAdapter.read(DONG_BO, context);
    expect(request).toMatchObject({ operation: 'sync', agencyCode: '000.00.00.H26', session: '<session from login>' });
    expect(syncItems(request)).toEqual([
      {
        index: 0,
        dossierCode: CODE,
        commands: [
          {
            kind: 'upsert',
            dossierCode: CODE,
            header: {
              agencyCode: '000.00.00.H26',
              procedureCode: '1.001193',
              procedureName: 'Thủ tục đăng ký khai sinh',
              sectorCode: 'G03-HT',
              channel: 'ONLINE',
              applicant: { type: 'CITIZEN', name: 'Bùi Thị Lan', idNumber: '001190099999', phone: '0912345678', email: 'lan.bt@example.vn' },
              summary: 'Đăng ký khai sinh cho con',
              receivedAt: '2026-11-24T08:30:15+07:00',
              dueAt: '2026-11-27T17:00:00+07:00',
              documents: [{ code: 'TP01', name: 'to-khai-khai-sinh.pdf', url: 'https://onestop.hanoi.example/files/f-1', digitized: true, reused: false }],
              fees: [{ code: 'LP01', name: 'Lệ phí đăng ký khai sinh', amount: 0 }],
            },
          },
          { kind: 'event', dossierCode: CODE, event: { status: 'RECEIVED', occurredAt: '2026-11-24T08:30:15+07:00' } },
        ],
      },
    ]);
  });

  it('maps every portal status code to its canonical status', () => {
    const expected = ['SUBMITTED', 'RECEIVED', 'REJECTED', 'PROCESSING', 'SUPPLEMENT_REQUESTED', 'PAYMENT_REQUESTED', 'WITHDRAWAL_REQUESTED', 'STOPPED', 'RESOLVED', 'RESULT_RETURNED'];
    expected.forEach((status, i) => {
      for (const code of [i + 1, String(i + 1)]) {
        const [event] = commandsOf(readOne({ TrangThaiHoSo: code }), 'event');
        expect(event).toMatchObject({ kind: 'event', event: { status } });
      }
    });
  });

  it.each([0, 11, -1, '0', '11', 'abc', '4.0', ' ', null, 4.5, true])('refuses the status code %p as the item’s problem', (code) => {
    const item = readOne({ TrangThaiHoSo: code });
    expect(item.commands).toEqual([]);
    expect(item.problem?.path).toBe('/data/0/TrangThaiHoSo');
    expect(item.dossierCode).toBe(CODE);
  });

  it('dates each status by its documented field, else by the receive time cut to the second', () => {
    const dated = {
      NgayTiepNhan: '20261120091500',
      NgayKetThucXuLy: '20261126160000',
      NgayTra: '20261127083000',
      DanhSachHoSoBoSung: [
        { NoiDungBoSung: 'Thiếu giấy chứng sinh', NgayBoSung: '20261122100000', NgayTiepNhanBoSung: '20261123080000' },
        { NoiDungBoSung: 'Bản sao chưa chứng thực', NgayBoSung: '20261124113000', NgayTiepNhanBoSung: '' },
      ],
    };
    const expected: Record<number, string> = {
      1: '2026-11-20T09:15:00+07:00',
      2: '2026-11-20T09:15:00+07:00',
      3: '2026-11-26T16:00:00+07:00',
      4: RECEIVE_SECOND,
      5: '2026-11-24T11:30:00+07:00',
      6: RECEIVE_SECOND,
      7: RECEIVE_SECOND,
      8: '2026-11-26T16:00:00+07:00',
      9: '2026-11-26T16:00:00+07:00',
      10: '2026-11-27T08:30:00+07:00',
    };
    for (let code = 1; code <= 10; code += 1) {
      const [event] = commandsOf(readOne({ ...dated, TrangThaiHoSo: String(code) }), 'event');
      expect({ code, occurredAt: event?.kind === 'event' && event.event.occurredAt }).toEqual({ code, occurredAt: expected[code] });
    }
    // The latest supplement round (by NgayBoSung) describes the request.
    const [supplement] = commandsOf(readOne({ ...dated, TrangThaiHoSo: '5' }), 'event');
    expect(supplement).toMatchObject({ event: { supplement: { reason: 'Bản sao chưa chứng thực', requestedAt: '2026-11-24T11:30:00+07:00' } } });
    // An empty dated field falls back too.
    for (const [code, field] of [[9, 'NgayKetThucXuLy'], [10, 'NgayTra'], [3, 'NgayKetThucXuLy']] as const) {
      const [event] = commandsOf(readOne({ ...dated, TrangThaiHoSo: code, [field]: '' }), 'event');
      expect(event).toMatchObject({ event: { occurredAt: RECEIVE_SECOND } });
    }
  });

  it('lets a dossier submitted online, not yet received, go without NgayTiepNhan; requires it otherwise', () => {
    const submitted = readOne({ TrangThaiHoSo: '1', NgayTiepNhan: '' });
    expect(commandsOf(submitted, 'upsert')[0]).toMatchObject({ header: { receivedAt: RECEIVE_SECOND } });
    expect(readOne({ TrangThaiHoSo: '4', NgayTiepNhan: '' }).problem?.path).toBe('/data/0/NgayTiepNhan');
  });

  it('adds the result of a returned dossier, its papers without hash or media type', () => {
    const [item] = readItems(message('DongBoHoSoMC', [RETURNED]));
    expect(item!.commands.map((c) => c.kind)).toEqual(['upsert', 'event', 'result']);
    expect(item!.commands[1]).toEqual({ kind: 'event', dossierCode: RETURNED['MaHoSo'], event: { status: 'RESULT_RETURNED', occurredAt: '2026-11-27T08:30:00+07:00' } });
    expect(item!.commands[2]).toEqual({
      kind: 'result',
      dossierCode: RETURNED['MaHoSo'],
      result: {
        outcome: 'GRANTED',
        issuedAt: '2026-11-26T16:00:00+07:00',
        issuer: { agencyCode: '000.00.00.H26' },
        documents: [
          { name: 'Giấy khai sinh', mediaType: null, sha256: null, url: 'https://onestop.hanoi.example/kq/g-1', resultCode: 'KS-2026-000123' },
          { name: 'Trích lục khai sinh', mediaType: null, sha256: null },
        ],
      },
    });
    for (const command of item!.commands) expect(commandErrors(command)).toEqual([]);
  });

  it('adds no result before the dossier is resolved, nor without result papers', () => {
    expect(commandsOf(readOne({ ...RETURNED, TrangThaiHoSo: '4' }), 'result')).toEqual([]);
    expect(commandsOf(readOne({ ...RETURNED, TrangThaiHoSo: '9', DanhSachGiayToKetQua: [] }), 'result')).toEqual([]);
    expect(commandsOf(readOne({ ...RETURNED, TrangThaiHoSo: '9' }), 'result')).toHaveLength(1);
  });

  it('reads values sent as numbers exactly as the same values sent as strings', () => {
    const asStrings = readOne({ TrangThaiHoSo: '4', KenhThucHien: '3', LoaiDoiTuong: '2', DanhSachLePhi: [{ TenPhiLePhi: 'Phí', Gia: '50000' }] });
    const asNumbers = readOne({ TrangThaiHoSo: 4, KenhThucHien: 3, LoaiDoiTuong: 2, DanhSachLePhi: [{ TenPhiLePhi: 'Phí', Gia: 50000 }] });
    expect(asNumbers).toEqual(asStrings);
    expect(commandsOf(asNumbers, 'upsert')[0]).toMatchObject({ header: { channel: 'POSTAL', applicant: { type: 'ENTERPRISE' }, fees: [{ name: 'Phí', amount: 50000 }] } });
  });

  it('refuses a fractional JSON number where digits matter, and amounts that are not whole VND', () => {
    expect(readOne({ MaTTHC: 1.00119 }).problem?.path).toBe('/data/0/MaTTHC');
    expect(readOne({ DanhSachLePhi: [{ TenPhiLePhi: 'Phí', Gia: '50000.5' }] }).problem?.path).toBe('/data/0/DanhSachLePhi/0/Gia');
    expect(readOne({ DanhSachLePhi: [{ TenPhiLePhi: 'Phí', Gia: '-1' }] }).problem?.path).toBe('/data/0/DanhSachLePhi/0/Gia');
  });

  it.each([
    ['KenhThucHien', '4'],
    ['KenhThucHien', ''],
    ['LoaiDoiTuong', '5'],
    ['ChuHoSo', ''],
    ['MaTTHC', ''],
    ['MaHoSo', 'HS-0042'],
    ['TaiLieuNop', 'f-1'],
    ['TaiLieuNop', [{ TenTepDinhKem: 'a.pdf', DuocSoHoa: 'yes' }]],
  ])('makes a bad %s (%p) the item’s problem at its path', (field, value) => {
    const item = readOne({ [field]: value });
    expect(item.commands).toEqual([]);
    expect(item.problem?.path).toMatch(new RegExp(`^/data/0/${field}`));
  });

  it('ignores unknown fields and leaves out files the sender marked deleted', () => {
    const item = readOne({
      TruongMoi: 'x',
      TaiLieuNop: [
        { TenTepDinhKem: 'kept.pdf', IsDeleted: 'False' },
        { TenTepDinhKem: 'deleted.pdf', IsDeleted: 'True' },
      ],
    });
    expect(commandsOf(item, 'upsert')[0]).toMatchObject({ header: { documents: [{ name: 'kept.pdf' }] } });
  });

  it('takes the agency from the dossier code, else from madonvi for codes without one', () => {
    const withoutMadonvi = JSON.stringify({ service: 'DongBoHoSoMC', data: [dossierItem({ MaHoSo: '000.00.02.H26-261124-0001' })] });
    expect(dvcqgAdapter.read(withoutMadonvi, context)).toMatchObject({ operation: 'sync', agencyCode: '' });
    expect(commandsOf(readItems(withoutMadonvi)[0]!, 'upsert')[0]).toMatchObject({ header: { agencyCode: '000.00.02.H26' } });

    const ministry = dossierItem({ MaHoSo: 'G09.20-20260609-0092637' });
    const viaMadonvi = readItems(JSON.stringify({ service: 'DongBoHoSoMC', madonvi: '000.00.00.G09', data: [ministry] }))[0]!;
    expect(commandsOf(viaMadonvi, 'upsert')[0]).toMatchObject({ dossierCode: 'G09.20-20260609-0092637', header: { agencyCode: '000.00.00.G09' } });
    expect(readItems(JSON.stringify({ service: 'DongBoHoSoMC', data: [ministry] }))[0]!.problem?.path).toBe('/data/0/MaHoSo');
  });

  it.each([
    ['20261124083015', '2026-11-24T08:30:15+07:00'],
    ['20261231235959', '2026-12-31T23:59:59+07:00'],
    ['20280229120000', '2028-02-29T12:00:00+07:00'],
    ['20260101000000', '2026-01-01T00:00:00+07:00'],
  ])('converts the portal time %s to %s', (portal, rfc3339) => {
    expect(commandsOf(readOne({ NgayTiepNhan: portal, NgayHenTra: '' }), 'upsert')[0]).toMatchObject({ header: { receivedAt: rfc3339 } });
  });

  it.each(['20260229120000', '20261324083015', '20261100083015', '20261124243015', '20261124086015', '20261124083060', '2026-11-24 08:30:15', '202611240830', '2026112408301500', '20261124083015Z'])(
    'refuses the impossible or misformatted time %s naming the field',
    (time) => {
      const item = readOne({ NgayHenTra: time });
      expect(item.problem).toEqual({ path: '/data/0/NgayHenTra', message: expect.stringContaining('yyyyMMddHHmmss') });
    },
  );

  it('treats an empty date as absent', () => {
    const [upsert] = commandsOf(readOne({ NgayHenTra: '' }), 'upsert');
    expect(upsert?.kind === 'upsert' && 'dueAt' in upsert.header).toBe(false);
  });
});

describe('dvcqg: CapNhatTienDoHoSoMC', () => {
  it('reads the recorded step into one status event with its officer and note', () => {
    expect(readItems(TIEN_DO)).toEqual([
      {
        index: 0,
        dossierCode: CODE,
        commands: [
          {
            kind: 'event',
            dossierCode: CODE,
            event: {
              status: 'PROCESSING',
              occurredAt: '2026-11-24T14:05:00+07:00',
              actor: { name: 'Trịnh Văn Minh', title: 'Công chức tư pháp - hộ tịch', unit: 'Tư pháp - Hộ tịch' },
              note: 'Thẩm định hồ sơ',
            },
          },
        ],
      },
    ]);
  });

  it('makes each bad step its own problem, at its index, and reads the others', () => {
    const step = (JSON.parse(TIEN_DO) as { data: Record<string, unknown>[] }).data[0]!;
    const items = readItems(message('CapNhatTienDoHoSoMC', [step, { ...step, ThoiDiemXuLy: '' }, { ...step, TrangThai: 12 }, 'not an object', { ...step, NguoiXuLy: '' }]));
    expect(items.map((item) => [item.index, item.problem?.path])).toEqual([
      [0, undefined],
      [1, '/data/1/ThoiDiemXuLy'],
      [2, '/data/2/TrangThai'],
      [3, '/data/3'],
      [4, undefined],
    ]);
    expect(items[4]!.commands[0]).toEqual({ kind: 'event', dossierCode: CODE, event: { status: 'PROCESSING', occurredAt: '2026-11-24T14:05:00+07:00', note: 'Thẩm định hồ sơ' } });
  });
});

describe('dvcqg: messages and answers', () => {
  it('refuses unknown services and malformed envelopes with the right code', () => {
    expect(dvcqgAdapter.read('{"service":"LayDanhMucCoQuan"}', context)).toMatchObject({ operation: 'refused', code: 'UNKNOWN_SERVICE' });
    expect(dvcqgAdapter.read('{"service":"DongBoHoSoMC","data":"x"}', context)).toMatchObject({ operation: 'refused', code: 'MALFORMED', message: expect.stringContaining('/data') });
    expect(dvcqgAdapter.read(message('DongBoHoSoMC', [], { isUpdating: 'True' }), context)).toEqual({ operation: 'sync', agencyCode: '000.00.00.H26', session: 'sess-1', items: [] });
  });

  it('looks dossiers up by a top-level MaHoSo or a data list, without duplicates', () => {
    const other = '000.00.00.H26-261124-0043';
    expect(dvcqgAdapter.read(JSON.stringify({ service: 'TraCuuHoSo', MaHoSo: CODE }), context)).toEqual({ operation: 'lookup', agencyCode: '', dossierCodes: [CODE] });
    expect(dvcqgAdapter.read(JSON.stringify({ service: 'TraCuuHoSo', madonvi: '000.00.00.H26', data: [{ MaHoSo: CODE }, other, { MaHoSo: CODE }] }), context)).toEqual({
      operation: 'lookup',
      agencyCode: '000.00.00.H26',
      dossierCodes: [CODE, other],
    });
    expect(dvcqgAdapter.read(JSON.stringify({ service: 'TraCuuHoSo', data: [{ MaHoSo: CODE }, { MaHoSo: 'x' }] }), context)).toMatchObject({
      operation: 'refused',
      code: 'MALFORMED',
      message: expect.stringContaining('/data/1/MaHoSo'),
    });
  });

  it('answers a look-up in DongBoHoSoMC’s names, times back in yyyyMMddHHmmss, the status as its code', () => {
    const [upsert] = commandsOf(readItems(message('DongBoHoSoMC', [RETURNED]))[0]!, 'upsert');
    if (upsert?.kind !== 'upsert') throw new Error('no header');
    const view = dossierViewOf(
      upsert.dossierCode,
      { ...upsert.header, applicant: { ...upsert.header.applicant, idNumber: '********9999' } },
      [
        { status: 'RECEIVED', occurredAt: '2026-11-20T02:15:00Z' },
        { status: 'RESOLVED', occurredAt: '2026-11-26T16:00:00+07:00' },
        { status: 'RESULT_RETURNED', occurredAt: '2026-11-27T08:30:00+07:00' },
      ],
      { outcome: 'GRANTED', issuedAt: '2026-11-26T16:00:00+07:00', issuer: { agencyCode: '000.00.00.H26' }, documents: [{ name: 'Giấy khai sinh', mediaType: null, sha256: null, resultCode: 'KS-2026-000123' }] },
    );
    const answer = dvcqgAdapter.answerLookup([view], [upsert.dossierCode, CODE]);
    expect(answer).toMatchObject({ status: 200, contentType: expect.stringContaining('application/json') });
    expect(JSON.parse(answer.body)).toEqual({
      error_code: 0,
      message: '1 of 2 dossier(s) found',
      result: [
        expect.objectContaining({
          MaHoSo: '000.00.00.H26-261120-0007',
          MaTTHC: '1.001193',
          KenhThucHien: 1,
          LoaiDoiTuong: 1,
          SoGiayToChuHoSo: '********9999',
          NgayTiepNhan: '20261120091500',
          NgayHenTra: '20261204170000',
          TrangThaiHoSo: 10,
          NgayKetThucXuLy: '20261126160000',
          NgayTra: '20261127083000',
          DanhSachGiayToKetQua: [{ TenGiayTo: 'Giấy khai sinh', MaGiayToKetQua: 'KS-2026-000123', DuongDanTepTinKetQua: '' }],
        }),
      ],
    });
  });

  it('answers error_code 0 only when every item was accepted, else names each refused item by position and code', () => {
    const items = readItems(message('DongBoHoSoMC', [dossierItem(), dossierItem({ MaHoSo: '' }), dossierItem({ MaHoSo: '000.00.00.H26-261124-0044' })]));
    // The hub refuses items with a problem as VALIDATION_FAILED, and applies the others.
    const outcomes: ItemOutcome[] = items.map((item) =>
      item.problem
        ? { index: item.index, dossierCode: item.dossierCode, status: 422, code: 'VALIDATION_FAILED', detail: `${item.problem.path} ${item.problem.message}` }
        : { index: item.index, dossierCode: item.dossierCode, status: item.index === 2 ? 409 : 201, ...(item.index === 2 && { code: 'DOSSIER_TRANSITION_NOT_ALLOWED' }) },
    );
    expect(JSON.parse(dvcqgAdapter.answerSync(outcomes).body)).toEqual({
      error_code: -1,
      message: '2 of 3 item(s) refused',
      results: [
        { ViTri: 1, MaHoSo: '', error_code: -1, message: '/data/1/MaHoSo is required', code: 'VALIDATION_FAILED' },
        { ViTri: 2, MaHoSo: '000.00.00.H26-261124-0044', error_code: -1, message: 'DOSSIER_TRANSITION_NOT_ALLOWED', code: 'DOSSIER_TRANSITION_NOT_ALLOWED' },
      ],
    });
    expect(JSON.parse(dvcqgAdapter.answerSync(outcomes.slice(0, 1)).body)).toEqual({ error_code: 0, message: '1 item(s) accepted' });
  });

  it('answers refusals with an HTTP status that says whose fault it is', () => {
    const statuses = Object.fromEntries(
      (['MALFORMED', 'UNKNOWN_SERVICE', 'TOO_LARGE', 'UNAUTHENTICATED', 'FORBIDDEN', 'RETRY_LATER'] as const).map((code) => [code, dvcqgAdapter.answerRefusal(code, 'x').status]),
    );
    expect(statuses).toEqual({ MALFORMED: 400, UNKNOWN_SERVICE: 400, TOO_LARGE: 413, UNAUTHENTICATED: 401, FORBIDDEN: 403, RETRY_LATER: 503 });
    expect(JSON.parse(dvcqgAdapter.answerRefusal('UNAUTHENTICATED', 'session expired').body)).toEqual({ error_code: -1, message: 'session expired', code: 'UNAUTHENTICATED' });
  });

  it('renders a submission as a DongBoHoSoMC create, session left for the hub', () => {
    const [upsert] = commandsOf(readItems(DONG_BO)[0]!, 'upsert');
    if (upsert?.kind !== 'upsert') throw new Error('no header');
    const view = dossierViewOf(CODE, upsert.header, [{ status: 'SUBMITTED', occurredAt: '2026-11-24T08:30:15+07:00' }]);
    const rendered = dvcqgAdapter.renderSubmission(view, { agencyCode: '000.00.00.H26' });
    const body = JSON.parse(rendered.body) as Record<string, unknown>;
    expect(body).toMatchObject({ session: '', madonvi: '000.00.00.H26', service: 'DongBoHoSoMC', isUpdating: 'False' });
    expect(body['data']).toEqual([expect.objectContaining({ MaHoSo: CODE, TrangThaiHoSo: 1, KenhThucHien: 2, NgayTiepNhan: '20261124083015' })]);
    expect(dvcqgAdapter.readSubmissionAnswer(200, '{"error_code":"0"}')).toEqual({ accepted: true });
  });
});
