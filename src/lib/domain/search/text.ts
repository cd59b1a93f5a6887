// Text normalisation shared by the local embedder and the keyword query builder: lower case,
// accents folded, Markdown punctuation dropped, English stop words removed, a light suffix
// stemmer, and a small IT thesaurus that maps spellings of the same thing to one token
// ("wi-fi", "wifi", "wlan" → "wifi"; "2fa" → "mfa"). Pure and deterministic: a query and a
// document always become the same tokens, on the server and in the browser.

const STOP = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves im ive id dont doesnt didnt cant cannot wont isnt arent wasnt ' +
    'also get gets got getting please thanks thank hi hello want need needs like may might must shall one us let lets ' +
    'still keep keeps even already yet every via'
  ).split(' ')
);

/** Words that carry little meaning in a helpdesk (they occur in nearly every article): kept, but weighted down. */
const WEAK = new Set(
  ('help issue problem work working works worked use using used make try tried trying error fix fixed step steps ' +
    'new way time know see go going come open need check sure right ok okay thing things able unable possible ' +
    'it computer pc device user users people company team')
    .split(' ')
);

// One canonical token per concept. Applied after lower-casing, before stemming.
const THESAURUS: Record<string, string> = {
  wlan: 'wifi',
  wireless: 'wifi',
  '2fa': 'mfa',
  '2sv': 'mfa',
  twofactor: 'mfa',
  authenticator: 'mfa',
  multifactor: 'mfa',
  pw: 'password',
  pwd: 'password',
  passwd: 'password',
  passcode: 'password',
  notebook: 'laptop',
  macbook: 'laptop',
  thinkpad: 'laptop',
  email: 'mail',
  emails: 'mail',
  mails: 'mail',
  inbox: 'mailbox',
  printing: 'print',
  printers: 'printer',
  monitors: 'monitor',
  screen: 'display',
  screens: 'display',
  displays: 'display',
  telly: 'tv',
  cellphone: 'phone',
  smartphone: 'phone',
  mobile: 'phone',
  iphone: 'phone',
  android: 'phone',
  login: 'signin',
  logon: 'signin',
  signon: 'signin',
  sso: 'signin',
  o365: 'office',
  m365: 'office',
  microsoft365: 'office',
  onedrive: 'onedrive',
  sharepoint: 'sharepoint',
  internet: 'network',
  broadband: 'network',
  ethernet: 'network',
  lan: 'network',
  harddrive: 'disk',
  hdd: 'disk',
  ssd: 'disk',
  storage: 'disk'
};

// Compound spellings joined before tokenising: "wi-fi", "wi fi" → "wifi", "e-mail" → "email".
const JOINS: [RegExp, string][] = [
  [/\bwi[\s-]?fi\b/g, 'wifi'],
  [/\be[\s-]mail/g, 'email'],
  [/\blog[\s-]?in\b/g, 'login'],
  [/\blog[\s-]?on\b/g, 'logon'],
  [/\bsign[\s-]?in\b/g, 'login'],
  [/\bsign[\s-]?on\b/g, 'signon'],
  [/\btwo[\s-]factor\b/g, 'twofactor'],
  [/\bmulti[\s-]factor\b/g, 'multifactor'],
  [/\bhard[\s-]?drive\b/g, 'harddrive'],
  [/\bmicrosoft\s?365\b/g, 'microsoft365'],
  [/\bone[\s-]?drive\b/g, 'onedrive'],
  [/\bshare[\s-]?point\b/g, 'sharepoint']
];

/** Lower case, accents folded, Markdown/code punctuation turned into spaces. */
export function normalize(text: string): string {
  let t = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’']/g, '');
  for (const [re, to] of JOINS) t = t.replace(re, to);
  return t.replace(/[^a-z0-9]+/g, ' ').trim();
}

/** A light English suffix stemmer (Porter's step 1 and the common derivational endings). */
export function stem(w: string): string {
  if (w.length <= 3 || /^\d/.test(w)) return w;
  let s = w;
  if (s.endsWith('sses')) s = s.slice(0, -2);
  else if (s.endsWith('ies') && s.length > 4) s = s.slice(0, -3) + 'y';
  else if (s.endsWith('s') && !s.endsWith('ss') && !s.endsWith('us') && !s.endsWith('is')) s = s.slice(0, -1);
  const vowel = (x: string) => /[aeiouy]/.test(x);
  for (const suf of ['ing', 'edly', 'ed', 'ly']) {
    if (s.endsWith(suf) && s.length - suf.length >= 3 && vowel(s.slice(0, -suf.length))) {
      s = s.slice(0, -suf.length);
      // "stopp(ed)" → "stop", "configur(ed)" → "configure" is not restored; both sides stem alike.
      if (/([^aeiouslz])\1$/.test(s)) s = s.slice(0, -1);
      break;
    }
  }
  for (const [suf, to] of [
    ['ational', 'ate'],
    ['ization', 'ize'],
    ['isation', 'ize'],
    ['ation', 'ate'],
    ['ness', ''],
    ['ment', ''],
    ['able', ''],
    ['ible', ''],
    ['ful', ''],
    ['ity', '']
  ] as const) {
    if (s.endsWith(suf) && s.length - suf.length >= 4) {
      s = s.slice(0, -suf.length) + to;
      break;
    }
  }
  if (s.length > 4 && s.endsWith('e')) s = s.slice(0, -1);
  return s;
}

export interface Token {
  /** The stemmed, canonical form. */
  term: string;
  /** The word as written (after normalisation), for character n-grams. */
  surface: string;
  /** 1 for ordinary words, lower for words that occur everywhere in a helpdesk. */
  weight: number;
}

const memo = new Map<string, Token | null>();

/** The token of one normalised word, or null for a stop word (memoised: words repeat a lot). */
export function tokenOf(raw: string): Token | null {
  let t = memo.get(raw);
  if (t !== undefined) return t;
  t = null;
  if (raw && raw.length <= 40 && !STOP.has(raw)) {
    const canon = THESAURUS[raw] ?? raw;
    if (canon.length >= 2 || /\d/.test(canon)) {
      t = { term: stem(canon), surface: canon, weight: WEAK.has(raw) || WEAK.has(canon) ? 0.35 : Math.min(1, 0.55 + canon.length * 0.09) };
    }
  }
  if (memo.size > 200_000) memo.clear();
  memo.set(raw, t);
  return t;
}

/** Content tokens of a text: stop words dropped, thesaurus applied, stemmed. */
export function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (const raw of normalize(text).split(' ')) {
    const t = tokenOf(raw);
    if (t) out.push(t);
  }
  return out;
}

/** The distinct words of a query for an OR text-search query: plain [a-z0-9] only, so always safe to join. */
export function queryWords(text: string): string[] {
  const seen = new Set<string>();
  for (const w of normalize(text).split(' ')) if (w && w.length <= 40 && !STOP.has(w)) seen.add(w);
  return [...seen].slice(0, 32);
}
