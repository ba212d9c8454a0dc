import type { InboundKeyword } from '../webhooks/provider-event.js';

/**
 * Opt-out words a French recipient answers with, and the English ones carriers and Twilio know.
 * Compared without case, accents or punctuation, so "Arrêt", "ARRET." and " stop ! " all match.
 */
const STOP_WORDS = new Set([
  'STOP', 'ARRET', 'ARRETER', 'ARRETEZ', 'DESABONNER', 'DESABONNEMENT', 'DESINSCRIRE', 'DESINSCRIPTION',
  'DESINSCRIVEZ', 'DESINSCRIVEZMOI', 'DESABONNEZMOI', 'STOPSMS', 'STOPPUB', 'STOPALL', 'UNSUBSCRIBE',
  'END', 'QUIT', 'CANCEL', 'REVOKE', 'OPTOUT',
]);
const START_WORDS = new Set(['START', 'UNSTOP', 'YES', 'REPRENDRE']);
const HELP_WORDS = new Set(['HELP', 'INFO', 'AIDE']);

/** Words that may follow a keyword without changing what it says: "STOP SMS", "Stop pub merci", "STOP 36111". */
const FILLERS = new Set(['SMS', 'PUB', 'PUBS', 'MERCI', 'SVP', 'STP', 'PLEASE', 'MESSAGE', 'MESSAGES', 'TOUT', 'ALL', 'MOI', 'ME', 'NOW']);

/**
 * The keyword an inbound text is, or null for an ordinary message. The whole message must be the
 * keyword (possibly two words, "STOP SMS", "désinscrire moi") followed only by filler words or a
 * short code: a sentence that merely contains "stop" is not an opt-out.
 */
export function inboundKeyword(body: string): InboundKeyword | null {
  const words = normalise(body).split(' ').filter((w) => w !== '');
  const first = words[0];
  if (first === undefined) return null;
  // "STOP SMS" or "OPT OUT" may arrive as two words or one.
  const joined = words.length >= 2 ? first + (words[1] ?? '') : first;
  let keyword: InboundKeyword | null = null;
  let rest = words.slice(1);
  if (STOP_WORDS.has(joined) && words.length >= 2) {
    keyword = 'stop';
    rest = words.slice(2);
  } else if (STOP_WORDS.has(first)) keyword = 'stop';
  else if (START_WORDS.has(first)) keyword = 'start';
  else if (HELP_WORDS.has(first)) keyword = 'help';
  if (keyword === null) return null;
  return rest.every((word) => FILLERS.has(word) || /^\d{3,6}$/.test(word)) ? keyword : null;
}

function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
}
