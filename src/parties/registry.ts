import { type JsonWebKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import Ajv2020 from 'ajv';
import { oneStopAdapters } from '../../adapters/onestop/registry';
import { PartiesFileSchema } from '../../schemas/parties-file';
import { Jurisdiction } from './jurisdiction';
import type { ClientDeclaration, Party, PartyDeclaration } from './party';
import { secretHashProblem } from './secrets';

export class PartiesFileError extends Error {
  override name = 'PartiesFileError';
}

/** The connected parties and their OAuth clients, loaded once at boot. */
export class PartyRegistry {
  private readonly byCode = new Map<string, Party>();
  private readonly byClientId = new Map<string, { party: Party; client: ClientDeclaration }>();

  constructor(declarations: readonly PartyDeclaration[]) {
    for (const declaration of declarations) {
      const party: Party = Object.freeze({
        code: declaration.code,
        name: declaration.name,
        kind: declaration.kind,
        jurisdiction: new Jurisdiction(declaration.jurisdiction ?? []),
        scopes: new Set(declaration.scopes ?? []),
        declaration,
      });
      this.byCode.set(party.code, party);
      for (const client of declaration.clients ?? []) this.byClientId.set(client.clientId, { party, client });
    }
  }

  party(code: string): Party | undefined {
    return this.byCode.get(code);
  }

  client(clientId: string): { party: Party; client: ClientDeclaration } | undefined {
    return this.byClientId.get(clientId);
  }

  all(): Party[] {
    return [...this.byCode.values()];
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateFile = ajv.compile<{ parties: PartyDeclaration[] }>(PartiesFileSchema);

/** Validates a parties document; every problem names the field (and the party code when known). */
export function parsePartiesDocument(document: unknown, source: string): PartyDeclaration[] {
  if (!validateFile(document)) {
    const problems = (validateFile.errors ?? []).map((e) => {
      const field = e.keyword === 'additionalProperties' ? `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}` : e.instancePath;
      const index = /^\/parties\/(\d+)/.exec(field)?.[1];
      const code = index === undefined ? undefined : (document as { parties: { code?: unknown }[] }).parties[Number(index)]?.code;
      const message = e.keyword === 'additionalProperties' ? 'is not a known field' : e.message;
      return `${field || '(root)'}${typeof code === 'string' ? ` (party ${code})` : ''}: ${message}`;
    });
    throw new PartiesFileError(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  }
  const parties = document.parties;
  const problems: string[] = [];
  const codes = new Set<string>();
  const clientIds = new Set<string>();
  parties.forEach((party, i) => {
    const at = `/parties/${i} (party ${party.code})`;
    if (codes.has(party.code)) problems.push(`${at}/code: duplicate party code`);
    codes.add(party.code);
    const isSystem = party.kind === 'MINISTRY' || party.kind === 'PROVINCE' || party.kind === 'PORTAL';
    if (isSystem && !party.jurisdiction?.length) problems.push(`${at}/jurisdiction: required for a ${party.kind} party`);
    if (isSystem && !party.clients?.length) problems.push(`${at}/clients: a ${party.kind} party needs at least one client`);
    if ((party.kind === 'PAYMENT_PROVIDER' || party.kind === 'IDENTITY_PROVIDER') && !party.provider) {
      problems.push(`${at}/provider: required for a ${party.kind} party`);
    }
    if (party.notifyUrl && !party.webhookSecret) problems.push(`${at}/webhookSecret: required with notifyUrl`);
    if (party.portalSync && party.kind !== 'PORTAL') problems.push(`${at}/portalSync: only a PORTAL party syncs to the national portal`);
    if (party.submissions?.delivery === 'PUSH') {
      if (!party.submissions.url) problems.push(`${at}/submissions/url: required for PUSH delivery`);
      if (!party.submissions.adapter || !oneStopAdapters[party.submissions.adapter]) {
        problems.push(`${at}/submissions/adapter: one of ${Object.keys(oneStopAdapters).join(', ')} is required for PUSH delivery`);
      }
    }
    party.clients?.forEach((client, j) => {
      const clientAt = `${at}/clients/${j}`;
      if (clientIds.has(client.clientId)) problems.push(`${clientAt}/clientId: duplicate client id ${client.clientId}`);
      clientIds.add(client.clientId);
      const methods = [client.clientSecret, client.clientSecretHash, client.jwks ?? client.jwksUri].filter(Boolean).length;
      if (methods === 0) problems.push(`${clientAt}: needs clientSecret, clientSecretHash, jwks or jwksUri`);
      if (client.clientSecret && client.clientSecretHash) problems.push(`${clientAt}: give clientSecret or clientSecretHash, not both`);
      if (client.jwks && client.jwksUri) problems.push(`${clientAt}: give jwks or jwksUri, not both`);
      const hashProblem = client.clientSecretHash === undefined ? undefined : secretHashProblem(client.clientSecretHash);
      if (hashProblem) problems.push(`${clientAt}/clientSecretHash: ${hashProblem}`);
      client.jwks?.keys.forEach((key, k) => {
        const keyProblem = publicKeyProblem(key);
        if (keyProblem) problems.push(`${clientAt}/jwks/keys/${k}: ${keyProblem}`);
      });
      problems.push(...singleSignOnClientProblems(client, party, clientAt));
    });
    if (party.kind === 'IDENTITY_PROVIDER' && typeof party.settings?.issuer === 'string' && !issuerProblemFree(party.settings.issuer)) {
      problems.push(`${at}/settings/issuer: must be https (plain http only for a provider on this machine: 127.0.0.1, localhost, [::1])`);
    }
  });
  if (parties.filter((p) => p.portalSync).length > 1) problems.push('/parties: portalSync is declared by more than one party; the hub syncs to one national portal');
  if (problems.length) throw new PartiesFileError(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  return parties;
}

/**
 * A client with redirectUris is a single sign-on client of the OpenID provider, which must
 * compare client secrets itself: it needs clientSecret or keys, not only a clientSecretHash.
 */
function singleSignOnClientProblems(client: ClientDeclaration, party: PartyDeclaration, at: string): string[] {
  if (!client.redirectUris?.length && !client.postLogoutRedirectUris?.length) return [];
  const problems: string[] = [];
  if (!['PORTAL', 'PROVINCE', 'MINISTRY'].includes(party.kind)) problems.push(`${at}/redirectUris: only PORTAL, PROVINCE and MINISTRY parties log citizens in`);
  if (!client.redirectUris?.length) problems.push(`${at}/redirectUris: postLogoutRedirectUris need redirectUris`);
  if (client.clientSecretHash) problems.push(`${at}/clientSecretHash: a single sign-on client (redirectUris) needs clientSecret, jwks or jwksUri: the OpenID provider compares the secret itself`);
  for (const [field, uris] of [['redirectUris', client.redirectUris ?? []], ['postLogoutRedirectUris', client.postLogoutRedirectUris ?? []]] as const) {
    uris.forEach((uri, i) => {
      let url: URL | undefined;
      try {
        url = new URL(uri);
      } catch {
        url = undefined;
      }
      if (!url || url.hash || uri.includes('#')) problems.push(`${at}/${field}/${i}: must be an absolute URL without a fragment`);
    });
  }
  return problems;
}

function issuerProblemFree(issuer: string): boolean {
  try {
    const url = new URL(issuer);
    return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

/** Why a registered JWK cannot verify client assertions, or undefined. */
function publicKeyProblem(jwk: Record<string, unknown>): string | undefined {
  if ('d' in jwk) return 'is a private key; register only the public key';
  try {
    createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    return undefined;
  } catch (error) {
    return `is not a usable public key (${(error as Error).message})`;
  }
}

export function loadPartiesFile(file: string): PartyDeclaration[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new PartiesFileError(`PARTIES_FILE ${file} cannot be read: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PartiesFileError(`PARTIES_FILE ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parsePartiesDocument(document, `PARTIES_FILE ${file}`);
}
