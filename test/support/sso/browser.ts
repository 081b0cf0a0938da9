import { request } from 'undici';

/**
 * A minimal browser for redirect-driven flows: keeps cookies per host and path (ports
 * ignored, as browsers do), follows redirects until an address the test names (the
 * portal's redirect URI), and shows every page it stopped at.
 */
interface Cookie {
  host: string;
  name: string;
  value: string;
  path: string;
}

export interface Visit {
  status: number;
  url: URL;
  location: URL | undefined;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export class TestBrowser {
  private cookies: Cookie[] = [];

  constructor(private readonly acceptLanguage = 'vi') {}

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter((c) => c.host === url.hostname && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private keep(url: URL, setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const [name, ...rest] = pair!.split('=');
      const value = rest.join('=');
      const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()));
      this.cookies = this.cookies.filter((c) => !(c.host === url.hostname && c.name === name && c.path === path));
      if (!expired && value !== '') this.cookies.push({ host: url.hostname, name: name!, value, path });
    }
  }

  /** One request, no redirect followed. */
  async visit(address: string | URL, options: { method?: 'GET' | 'POST'; form?: Record<string, string> } = {}): Promise<Visit> {
    const url = new URL(address);
    const headers: Record<string, string> = { 'accept-language': this.acceptLanguage };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const response = await request(url, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body });
    this.keep(url, response.headers['set-cookie']);
    const text = await response.body.text();
    const location = typeof response.headers.location === 'string' ? new URL(response.headers.location, url) : undefined;
    return { status: response.statusCode, url, location, body: text, headers: response.headers };
  }

  /** Follows redirects from `address` until an answer that is not a redirect, or one to an address starting with `stopAt`. */
  async follow(address: string | URL, stopAt: string, options: { method?: 'GET' | 'POST'; form?: Record<string, string> } = {}): Promise<Visit> {
    let visit = await this.visit(address, options);
    for (let hops = 0; visit.location && hops < 20; hops++) {
      if (visit.location.href.startsWith(stopAt)) return visit;
      visit = await this.visit(visit.location);
    }
    return visit;
  }
}

/** The first hidden idp form's action and fields on the chooser page, by identity provider code. */
export function chooserForm(html: string, idp: string): { action: string; fields: Record<string, string> } {
  const form = html.split('<form').find((part) => part.includes(`name="idp" value="${idp}"`));
  if (!form) throw new Error(`the chooser offers no ${idp}:\n${html}`);
  const action = /action="([^"]+)"/.exec(form)![1]!;
  const fields = Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
  return { action: action.replace(/&#38;/g, '&'), fields };
}
