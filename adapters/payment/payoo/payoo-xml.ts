import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The little XML Payoo speaks (the order it is sent, the notify it posts), read without any
 * DTD: a document declaring a DOCTYPE or an entity is refused before it reaches the parser,
 * and the parser itself expands no entity, so neither external entities (XXE) nor entity
 * expansion bombs can get through. The five predefined entities and character references,
 * which any XML writer may emit, are decoded here instead.
 */
const DTD_MARKUP = /<!\s*(DOCTYPE|ENTITY)/i;

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  // Values are signed as they are: no trimming, no number conversion.
  trimValues: false,
  processEntities: false,
});

export interface XmlDocument {
  rootName: string;
  root: unknown;
}

/** A well-formed document with exactly one root element, or undefined. */
export function parseXml(xml: string): XmlDocument | undefined {
  if (DTD_MARKUP.test(xml) || XMLValidator.validate(xml) !== true) return undefined;
  const parsed: unknown = parser.parse(xml);
  if (!isElement(parsed)) return undefined;
  const names = Object.keys(parsed);
  if (names.length !== 1) return undefined;
  const rootName = names[0]!;
  return { rootName, root: parsed[rootName] };
}

/**
 * The text of the element called `name` anywhere under `node`, as Payoo's own readers find
 * it (getElementsByTagName): '' when there is none. Undefined when the name occurs more
 * than once or holds elements rather than text: an ambiguous document is refused rather
 * than read one way here and another way by its signer.
 */
export function elementText(node: unknown, name: string): string | undefined {
  const found: unknown[] = [];
  collect(node, name, found);
  if (found.length === 0) return '';
  const [only] = found;
  return found.length === 1 && typeof only === 'string' ? decodeXmlText(only) : undefined;
}

function collect(node: unknown, name: string, found: unknown[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, name, found);
    return;
  }
  if (!isElement(node)) return;
  for (const [childName, child] of Object.entries(node)) {
    if (childName === name) {
      if (Array.isArray(child)) found.push(...child);
      else found.push(child);
    }
    collect(child, name, found);
  }
}

function isElement(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (reference, body: string) => {
    if (!body.startsWith('#')) return PREDEFINED[body] ?? reference;
    const codePoint = body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : reference;
  });
}

/** Text for an element we write. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
