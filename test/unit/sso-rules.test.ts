import { mapUpstreamClaims } from '../../adapters/identity/claim-mapping';
import { parsePartiesDocument } from '../../src/parties/registry';
import { achievedLevel, canMeet, meetsAny } from '../../src/sso/assurance';
import { chooseLocale } from '../../src/sso/messages';
import { portalUserinfo } from '../../src/sso/portal-claims';

describe('upstream claim mapping', () => {
  it('normalises what providers send and drops what cannot be right', () => {
    expect(mapUpstreamClaims({ id_number: '001190099999', birthdate: '17/05/1990', account_type: '2', name: '  Bùi Thị Lan ', acr: 'LoA2' })).toEqual({
      claims: { id_number: '001190099999', birthdate: '1990-05-17', account_type: 'ENTERPRISE', name: 'Bùi Thị Lan' },
      acr: 'LoA2',
    });
    expect(mapUpstreamClaims({ id_number: '12345', birthdate: '1990-02-30', account_type: 'robot', address: { formatted: 'Hà Nội' } }).claims).toEqual({ address: 'Hà Nội' });
    expect(mapUpstreamClaims({ birthdate: '19900517' }).claims.birthdate).toBe('1990-05-17');
  });

  it('reads the claims the settings name', () => {
    expect(mapUpstreamClaims({ citizen_id: '079085001234', ial: 'IAL2', id_number: '001190099999' }, { id_number: 'citizen_id', acr: 'ial' })).toEqual({ claims: { id_number: '079085001234' }, acr: 'IAL2' });
  });
});

describe('assurance levels', () => {
  it('lets a higher level of a family meet a lower one, never across families', () => {
    expect(meetsAny('LoA3', ['LoA2'])).toBe(true);
    expect(meetsAny('LoA2', ['LoA3'])).toBe(false);
    expect(meetsAny('IAL2', ['LoA2'])).toBe(false);
    expect(meetsAny(undefined, [])).toBe(true);
    expect(meetsAny(undefined, ['LoA1'])).toBe(false);
    expect(canMeet(['LoA2', 'LoA3'], ['LoA4', 'LoA3'])).toBe(true);
    expect(canMeet(['LoA2'], ['LoA3'])).toBe(false);
  });

  it('believes a provider only up to the levels declared for it', () => {
    expect(achievedLevel(['LoA2', 'LoA3'], 'LoA3')).toBe('LoA3');
    expect(achievedLevel(['LoA3', 'LoA2'], 'LoA4')).toBe('LoA2');
    expect(achievedLevel(['LoA3', 'LoA2'], undefined)).toBe('LoA2');
  });
});

describe('the login pages’ language', () => {
  it('is Vietnamese unless ?lang=, the browser or ui_locales says English', () => {
    expect(chooseLocale(undefined, undefined)).toBe('vi');
    expect(chooseLocale(undefined, 'fr-FR,en;q=0.8')).toBe('en');
    expect(chooseLocale('vi', 'en')).toBe('vi');
    expect(chooseLocale(undefined, 'de', 'en-US vi')).toBe('en');
  });
});

describe('portal-compatible userinfo', () => {
  it('uses the national portal’s claim names and formats', () => {
    expect(portalUserinfo({ sub: 's', tech_id: 't', account_type: 'ENTERPRISE', acr: 'LoA2', id_number: '012345678', birthdate: '2001-09-02', address: { formatted: 'Huế' } })).toEqual({
      sub: 's',
      TechID: 't',
      LoaiTaiKhoan: 2,
      loAs: 'LoA2',
      SoCMND: '012345678',
      NgayThangNamSinh: '02/09/2001',
      DiaChi: 'Huế',
    });
  });
});

describe('single sign-on in the parties file', () => {
  const portal = (client: Record<string, unknown>) => ({ code: 'dvcqg', name: 'Portal', kind: 'PORTAL', jurisdiction: ['*'], clients: [{ clientId: 'portal-sso', ...client }] });
  const idp = (provider: string, settings: Record<string, unknown>) => ({ code: 'vneid', name: 'VNeID', kind: 'IDENTITY_PROVIDER', provider, settings });
  const oidcSettings = { issuer: 'https://sso.vneid.example', clientId: 'hub', clientSecret: 'upstream-secret-0123456789', acr: ['IAL2'] };
  const problems = (...parties: unknown[]) => {
    try {
      parsePartiesDocument({ parties }, 'test');
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('accepts a portal client with redirect URIs and an OpenID identity provider', () => {
    expect(problems(portal({ clientSecret: 'portal-secret-0123456789', redirectUris: ['https://portal.example/cb'] }), idp('oidc', oidcSettings))).toBe('');
  });

  it('refuses what single sign-on cannot serve, naming the field', () => {
    expect(problems(portal({ clientSecretHash: 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=', redirectUris: ['https://p.example/cb'] }))).toContain(
      '/parties/0 (party dvcqg)/clients/0/clientSecretHash: a single sign-on client',
    );
    expect(problems(portal({ clientSecret: 'portal-secret-0123456789', redirectUris: ['https://p.example/cb#frag'] }))).toContain('/clients/0/redirectUris/0: must be an absolute URL without a fragment');
    expect(problems(idp('demo', {}))).toContain('/parties/0/provider');
    expect(problems(idp('oidc', { ...oidcSettings, issuer: 'http://sso.vneid.example' }))).toContain('/settings/issuer: must be https');
    expect(problems(idp('oidc', { ...oidcSettings, acr: [] }))).toContain('/parties/0/settings/acr');
    expect(problems(idp('oidc', { ...oidcSettings, claims: { nickname: 'nick' } }))).toContain('/parties/0/settings/claims/nickname');
  });
});
