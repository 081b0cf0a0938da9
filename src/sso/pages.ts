import { MESSAGES, type Locale } from './messages';

/**
 * The single sign-on pages: server-rendered HTML, no script at all, one stylesheet from the
 * hub (so the Content-Security-Policy can forbid everything else). Every value that comes
 * from a request or a party is escaped.
 */
export const STYLESHEET_PATH = '/sso/assets/sso.css';

/** Nothing but the hub's own stylesheet may load; no script, no framing. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(locale: Locale, title: string, body: string, languageSwitch?: string): string {
  const m = MESSAGES[locale];
  const other: Locale = locale === 'vi' ? 'en' : 'vi';
  const switcher =
    languageSwitch === undefined
      ? ''
      : `<nav class="lang" aria-label="${m.pageLanguage}"><a href="${escapeHtml(languageSwitch)}" hreflang="${other}" lang="${other}" aria-label="${m.otherLanguageLabel}">${m.otherLanguage}</a></nav>`;
  return `<!DOCTYPE html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
${switcher}
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

export interface ChooserProvider {
  code: string;
  name: string;
  levels: readonly string[];
}

export function chooserPage(options: { locale: Locale; portalName: string; action: string; providers: ChooserProvider[]; languageSwitch: string }): string {
  const m = MESSAGES[options.locale];
  const buttons = options.providers
    .map(
      (p) => `<li><form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="idp" value="${escapeHtml(p.code)}">
<input type="hidden" name="lang" value="${options.locale}">
<button type="submit" aria-describedby="levels-${escapeHtml(p.code)}">${escapeHtml(m.signInWith(p.name))}</button>
<p class="levels" id="levels-${escapeHtml(p.code)}">${escapeHtml(m.levels(p.levels.join(', ')))}</p>
</form></li>`,
    )
    .join('\n');
  const body = `<p>${escapeHtml(m.continueTo(options.portalName))}</p>
<h2>${escapeHtml(m.chooseProvider)}</h2>
<ul class="providers">
${buttons}
</ul>`;
  return page(options.locale, m.signInTitle, body, options.languageSwitch);
}

/** Shown when no redirect back to the portal is safe (unknown or expired login, unregistered redirect URI). */
export function errorPage(locale: Locale, detail: string): string {
  const m = MESSAGES[locale];
  return page(locale, m.errorTitle, `<p role="alert">${escapeHtml(detail)}</p>\n<p>${escapeHtml(m.errorHint)}</p>`);
}

/** RP-initiated logout's confirmation; `form` is oidc-provider's own (with its CSRF field), the buttons submit it. */
export function logoutPage(locale: Locale, portalName: string, form: string): string {
  const m = MESSAGES[locale];
  return page(
    locale,
    m.logoutTitle,
    `<p>${escapeHtml(m.logoutQuestion(portalName))}</p>
${form}
<div class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes">${escapeHtml(m.logoutYes)}</button>
<button type="submit" form="op.logoutForm" class="secondary">${escapeHtml(m.logoutNo)}</button>
</div>`,
  );
}

export function loggedOutPage(locale: Locale): string {
  const m = MESSAGES[locale];
  return page(locale, m.logoutTitle, `<p role="status">${escapeHtml(m.loggedOut)}</p>`);
}

/** DEMO ONLY: the demo identity provider's form (adapters/identity/demo). */
export function demoLoginPage(options: { locale: Locale; action: string; state: string; languageSwitch: string }): string {
  const m = MESSAGES[options.locale];
  return page(
    options.locale,
    m.demoTitle,
    `<p class="warning" role="note">${escapeHtml(m.demoWarning)}</p>
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="state" value="${escapeHtml(options.state)}">
<label for="name">${escapeHtml(m.demoName)}</label>
<input id="name" name="name" required maxlength="200" autocomplete="name">
<label for="id_number">${escapeHtml(m.demoIdNumber)}</label>
<input id="id_number" name="id_number" required inputmode="numeric" pattern="[0-9]{12}" maxlength="12">
<label for="birthdate">${escapeHtml(m.demoBirthdate)}</label>
<input id="birthdate" name="birthdate" type="date" autocomplete="bday">
<button type="submit">${escapeHtml(m.demoSubmit)}</button>
</form>`,
    options.languageSwitch,
  );
}

/** Large targets, visible focus, contrast ≥ 4.5:1, one column that fits a phone. */
export const STYLESHEET = `*{box-sizing:border-box}
body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1b1b;background:#f4f4f4}
main{max-width:32rem;margin:0 auto;padding:1.5rem 1rem;background:#fff;min-height:100vh}
@media (min-width:40rem){main{margin:2rem auto;min-height:0;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.2)}}
h1{font-size:1.5rem;margin:0 0 1rem}
h2{font-size:1.125rem;margin:1.5rem 0 .75rem}
.lang{max-width:32rem;margin:0 auto;padding:.5rem 1rem;text-align:right}
a{color:#0b4f9c}
.providers{list-style:none;margin:0;padding:0}
.providers li{margin:0 0 1rem}
button{display:block;width:100%;min-height:3rem;padding:.75rem 1rem;font:inherit;font-weight:600;color:#fff;background:#a3141a;border:2px solid #a3141a;border-radius:.375rem;cursor:pointer}
button.secondary{color:#a3141a;background:#fff}
button:hover{background:#7f0f14}
button.secondary:hover{background:#fbeaea}
:focus-visible{outline:3px solid #0b4f9c;outline-offset:2px}
.levels{margin:.25rem 0 0;font-size:.9375rem;color:#4a4a4a}
label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{display:block;width:100%;min-height:3rem;padding:.5rem .75rem;font:inherit;border:2px solid #6b6b6b;border-radius:.375rem}
form button{margin-top:1.25rem}
.providers form button{margin-top:0}
.actions{display:grid;gap:.75rem;margin-top:1rem}
.warning{padding:.75rem;background:#fff4ce;border-left:4px solid #8a6d00}
`;
