import type { DossierView, ItemOutcome, NativeAnswer, OneStopAdapter } from '../onestop-adapter';
import { isRecord } from './dvcqg-fields';
import { toHoSoMC } from './dvcqg-render';

/**
 * Answers in the portal's style (api-contract.md, Portal-compatible endpoints): `error_code`
 * 0 only when everything was accepted. The portal's non-zero codes are not public; senders
 * only test for 0, so every failure is -1 and the canonical code travels next to it in `code`.
 */
const FAILED = -1;
const JSON_TYPE = 'application/json; charset=utf-8';

type RefusalCode = Parameters<OneStopAdapter['answerRefusal']>[0];

/** A refusal keeps an HTTP status that says whose fault it is; clients that read only the body still see error_code. */
const REFUSAL_STATUS: Readonly<Record<RefusalCode, number>> = {
  MALFORMED: 400,
  UNKNOWN_SERVICE: 400,
  TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RETRY_LATER: 503,
};

const json = (status: number, body: unknown): NativeAnswer => ({ status, contentType: JSON_TYPE, body: JSON.stringify(body) });

export const isRefused = (outcome: ItemOutcome): boolean => outcome.status >= 400;

export function answerSync(outcomes: readonly ItemOutcome[]): NativeAnswer {
  const refused = outcomes.filter(isRefused);
  if (refused.length === 0) return json(200, { error_code: 0, message: `${outcomes.length} item(s) accepted` });
  return json(200, {
    error_code: FAILED,
    message: `${refused.length} of ${outcomes.length} item(s) refused`,
    results: refused.map((outcome) => ({
      // The position in `data`: an item refused for its MaHoSo has no usable code to name it by.
      ViTri: outcome.index,
      MaHoSo: outcome.dossierCode,
      error_code: FAILED,
      message: outcome.detail ?? outcome.code ?? `refused (${outcome.status})`,
      code: outcome.code ?? 'REFUSED',
    })),
  });
}

/** `result` holds the dossiers found, as senders test it (OpenCPS: a non-empty `result` means "already synced, send an update"). */
export function answerLookup(dossiers: readonly DossierView[], asked: readonly string[]): NativeAnswer {
  return json(200, { error_code: 0, message: `${dossiers.length} of ${asked.length} dossier(s) found`, result: dossiers.map(toHoSoMC) });
}

export function answerRefusal(code: RefusalCode, message: string): NativeAnswer {
  return json(REFUSAL_STATUS[code], { error_code: FAILED, message, code });
}

/** A one-stop system's answer to a pushed DongBoHoSoMC: taken only on a 2xx with error_code 0 ("0" from string-typed senders). */
export function readSubmissionAnswer(status: number, body: string): { accepted: boolean; reason?: string } {
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    return { accepted: false, reason: `HTTP ${status}: the answer is not JSON` };
  }
  if (!isRecord(answer)) return { accepted: false, reason: `HTTP ${status}: the answer is not a JSON object` };
  const errorCode = answer['error_code'];
  const message = typeof answer['message'] === 'string' ? answer['message'] : '';
  if (status >= 200 && status < 300 && (errorCode === 0 || errorCode === '0')) return { accepted: true };
  return { accepted: false, reason: `HTTP ${status}, error_code ${JSON.stringify(errorCode ?? null)}${message ? `: ${message}` : ''}` };
}
