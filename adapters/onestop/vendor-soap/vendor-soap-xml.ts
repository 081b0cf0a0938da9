import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { fromXsDateTime } from './vendor-soap-dates';

/**
 * SOAP 1.1 envelopes, read without any DTD: a document declaring a DOCTYPE or an entity is
 * refused before it reaches the parser, and the parser expands no entity, so neither
 * external entities (XXE) nor expansion bombs (billion laughs) can get through. The five
 * predefined entities and character references, which any XML writer emits, are decoded here.
 * Namespace prefixes are dropped (vendors' stacks pick their own: soap:, s:, SOAP-ENV:).
 */
const DTD_MARKUP = /<!\s*(DOCTYPE|ENTITY)/i;
const CDATA = '#cdata';

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
  cdataPropName: CDATA,
});

export type XmlElement = Record<string, unknown>;

export function isElement(value: unknown): value is XmlElement {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type SoapReading =
  | { ok: true; header: XmlElement | undefined; operation: string; body: XmlElement }
  | { ok: false; message: string };

/** The envelope's header and its one body element (the operation, or a Fault). */
export function readSoapEnvelope(xml: string): SoapReading {
  if (DTD_MARKUP.test(xml)) return { ok: false, message: 'a DOCTYPE or ENTITY declaration is not allowed' };
  const validation = XMLValidator.validate(xml);
  if (validation !== true) return { ok: false, message: `not well-formed XML (line ${validation.err.line}: ${validation.err.msg})` };
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (error) {
    // The parser's own limits (nesting depth...) end in an exception: the document is refused, whatever it was.
    return { ok: false, message: `unreadable XML (${error instanceof Error ? error.message : 'parser error'})` };
  }
  if (!isElement(document) || Object.keys(document).length !== 1 || !isElement(document['Envelope'])) {
    return { ok: false, message: 'the document must be one soap:Envelope' };
  }
  const envelope = document['Envelope'];
  const body = envelope['Body'];
  if (!isElement(body)) return { ok: false, message: 'the envelope must hold one soap:Body' };
  const operations = Object.keys(body);
  const operation = operations[0];
  if (operation === undefined || operations.length !== 1 || Array.isArray(body[operation])) {
    return { ok: false, message: 'the soap:Body must hold exactly one element' };
  }
  const content = body[operation];
  const header = envelope['Header'];
  return { ok: true, header: isElement(header) ? header : undefined, operation, body: isElement(content) ? content : {} };
}

export class XmlProblem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the predefined entities and character references; undefined for any other reference (no DTD defines one). */
export function decodeXmlText(text: string): string | undefined {
  let valid = true;
  const decoded = text.replace(/&([^;&\s]*);?/g, (reference: string, name: string) => {
    if (!reference.endsWith(';')) valid = false;
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    const numeric = /^#x([0-9a-f]{1,6})$/i.exec(name)?.[1] ?? /^#([0-9]{1,7})$/.exec(name)?.[1];
    const codePoint = numeric === undefined ? NaN : name.startsWith('#x') || name.startsWith('#X') ? parseInt(numeric, 16) : Number(numeric);
    if (!isXmlChar(codePoint)) {
      valid = false;
      return '';
    }
    return String.fromCodePoint(codePoint);
  });
  return valid ? decoded : undefined;
}

function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

const FLAGS: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false };

/** Reading one element's children: single values, lists, codes, times; a bad value raises an XmlProblem naming its XPath. */
export class XmlReader {
  constructor(
    private readonly element: XmlElement,
    readonly path: string,
  ) {}

  pathOf(name: string): string {
    return `${this.path}/${name}`;
  }

  private single(name: string): unknown {
    const value = this.element[name];
    if (Array.isArray(value)) throw new XmlProblem(this.pathOf(name), 'must appear at most once');
    return value;
  }

  /** Text content, trimmed; an empty or absent element is undefined. */
  text(name: string): string | undefined {
    const value = this.single(name);
    if (value === undefined || value === '') return undefined;
    let raw: string;
    if (typeof value === 'string') {
      const decoded = decodeXmlText(value);
      if (decoded === undefined) throw new XmlProblem(this.pathOf(name), 'holds an entity reference that is not one of &amp; &lt; &gt; &quot; &apos; or a character reference');
      raw = decoded;
    } else if (isElement(value) && Object.keys(value).length === 1 && typeof value[CDATA] === 'string') {
      raw = value[CDATA];
    } else {
      throw new XmlProblem(this.pathOf(name), 'must hold text, not elements');
    }
    const text = raw.trim();
    return text === '' ? undefined : text;
  }

  requiredText(name: string): string {
    const value = this.text(name);
    if (value === undefined) throw new XmlProblem(this.pathOf(name), 'is required');
    return value;
  }

  code<T>(name: string, table: Readonly<Record<string, T>>): T | undefined {
    const code = this.text(name);
    if (code === undefined) return undefined;
    const value = table[code];
    if (value === undefined) throw new XmlProblem(this.pathOf(name), `must be one of ${Object.keys(table).join(', ')}`);
    return value;
  }

  requiredCode<T>(name: string, table: Readonly<Record<string, T>>): T {
    const value = this.code(name, table);
    if (value === undefined) throw new XmlProblem(this.pathOf(name), `is required (one of ${Object.keys(table).join(', ')})`);
    return value;
  }

  /** xs:nonNegativeInteger, up to 15 digits. */
  wholeNumber(name: string): number | undefined {
    const text = this.text(name);
    if (text === undefined) return undefined;
    if (!/^[0-9]{1,15}$/.test(text)) throw new XmlProblem(this.pathOf(name), 'must be a whole number');
    return Number(text);
  }

  time(name: string): string | undefined {
    const text = this.text(name);
    if (text === undefined) return undefined;
    const time = fromXsDateTime(text);
    if (time === undefined) throw new XmlProblem(this.pathOf(name), `must be a real xs:dateTime such as 2026-11-24T08:30:15 (Vietnam time), not ${JSON.stringify(text.slice(0, 40))}`);
    return time;
  }

  requiredTime(name: string): string {
    const time = this.time(name);
    if (time === undefined) throw new XmlProblem(this.pathOf(name), 'is required (xs:dateTime)');
    return time;
  }

  /** xs:boolean: true, false, 1, 0. */
  flag(name: string): boolean | undefined {
    const text = this.text(name);
    if (text === undefined) return undefined;
    const flag = FLAGS[text];
    if (flag === undefined) throw new XmlProblem(this.pathOf(name), 'must be true or false');
    return flag;
  }

  /** A child element holding elements; an empty or absent one is undefined. */
  child(name: string): XmlReader | undefined {
    const value = this.single(name);
    if (value === undefined || value === '') return undefined;
    if (!isElement(value)) throw new XmlProblem(this.pathOf(name), 'must hold elements');
    return new XmlReader(value, this.pathOf(name));
  }

  /** The `item` elements inside an optional `container` (`<GiayToNop><GiayTo/>...`), with XPath positions. */
  list(container: string, item: string): XmlReader[] {
    const holder = this.child(container);
    if (holder === undefined) return [];
    return holder.values(item).map((entry, index) => {
      const path = `${holder.pathOf(item)}[${index + 1}]`;
      if (entry !== '' && !isElement(entry)) throw new XmlProblem(path, 'must hold elements');
      return new XmlReader(isElement(entry) ? entry : {}, path);
    });
  }

  /** How many `name` children there are (to refuse an oversized message before reading it). */
  count(name: string): number {
    const value = this.element[name];
    return value === undefined ? 0 : Array.isArray(value) ? value.length : 1;
  }

  /** Raw values of every `name` child, in order (text, elements, or '' for an empty one). */
  values(name: string): unknown[] {
    const value = this.element[name];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  }
}

// ---------------------------------------------------------------------------------------------
// Writing.

export const SOAP_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });

/** Characters XML 1.0 cannot carry at all, even escaped. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlSafe(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(NOT_XML, '\uFFFD');
  if (Array.isArray(value)) return value.map(xmlSafe);
  if (isElement(value)) return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, xmlSafe(v)]));
  return value;
}

/** A SOAP 1.1 envelope around one body element; text is escaped by the builder. */
export function soapEnvelope(body: XmlElement): string {
  const envelope = { 'soap:Envelope': { '@_xmlns:soap': SOAP_ENVELOPE_NS, 'soap:Body': xmlSafe(body) } };
  return `<?xml version="1.0" encoding="utf-8"?>${builder.build(envelope)}`;
}
