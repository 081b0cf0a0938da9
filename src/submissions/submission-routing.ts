import type { Party } from '../parties/party';
import type { PartyRegistry } from '../parties/registry';

/**
 * Which party receives the dossiers submitted online for an agency: among the one-stop
 * systems (provinces, ministries) whose jurisdiction covers it, the one that names it most
 * closely (an exact code, then the longest pattern). Portals and providers never receive them.
 */
export function responsibleParty(parties: PartyRegistry, agencyCode: string): Party | undefined {
  let best: { party: Party; specificity: number } | undefined;
  for (const party of parties.all()) {
    if (party.kind !== 'PROVINCE' && party.kind !== 'MINISTRY') continue;
    const specificity = party.jurisdiction.specificityFor(agencyCode);
    if (specificity !== undefined && (!best || specificity > best.specificity)) best = { party, specificity };
  }
  return best?.party;
}
