// Demo data: a living helpdesk to explore Outpost with. Teams, agents and managers, end users and
// requesters, ~350 tickets over the last 90 days with their conversations, history and SLA clocks,
// a knowledge base, a CMDB, change requests with approvals and notifications.
//
// Everything is derived from a seeded PRNG and `now`, so two runs with the same `now` produce the
// same data (ids excepted: they are fresh UUIDv7s). Each ticket's life is simulated as a timeline
// of events (assignment, replies, waiting, resolution, auto-close), and only the events before
// `now` happen: that is what makes recent tickets open and old ones closed, and keeps every row
// consistent with its history. Loading runs once, in one transaction, marked by the setting
// `demo.loadedAt`.
import { sql, type Insertable, type Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { DB } from '../db/schema';
import type { ServiceDeskTables } from '../db/schema-service-desk';
import { hashPassword } from '../auth/password';
import { compileCalendar, type Calendar as SlaCalendar, type WeeklyHours as SlaWeeklyHours, type Holiday as SlaHoliday } from '$lib/domain/sla/calendar';
import { computeSla, type SlaInput } from '$lib/domain/sla/clock';

type Tables = DB & ServiceDeskTables;
type Db = Kysely<Tables>;
type Row<K extends keyof Tables> = Insertable<Tables[K]>;

const DEMO_PASSWORD = 'outpost-demo';
const LOADED_KEY = 'demo.loadedAt';
const EMAIL_DOMAIN = 'demo.outpost.test';
const CHUNK = 500;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// ─── Randomness ────────────────────────────────────────────────────────────────────────────────
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Picks by weight; `weights[i]` belongs to `items[i]`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i];
      if (r < 0) return items[i];
    }
    return items[items.length - 1];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
  sample<T>(items: readonly T[], n: number): T[] {
    return this.shuffle(items).slice(0, Math.max(0, Math.min(n, items.length)));
  }
  alnum(n: number, alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
}

// ─── Time ──────────────────────────────────────────────────────────────────────────────────────
const at = (ms: number) => new Date(ms);
const addMin = (d: Date, m: number) => new Date(d.getTime() + Math.round(m * MIN));
const addDays = (d: Date, days: number) => new Date(d.getTime() + Math.round(days * DAY));
const maxDate = (...ds: Date[]) => at(Math.max(...ds.map((d) => d.getTime())));
const minDate = (...ds: Date[]) => at(Math.min(...ds.map((d) => d.getTime())));
const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const utcMidnight = (ms: number) => Math.floor(ms / DAY) * DAY;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const humanDate = (d: Date) => `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;

/** Business hours of the SLA calendar, as minute ranges per UTC weekday (0 = Sunday). */
interface Calendar {
  week: [number, number][][];
  holidays: Map<string, [number, number][]>;
}

const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

function parseCalendar(weekly: unknown, holidays: unknown): Calendar | null {
  const toMinutes = (s: unknown) => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(String(s));
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  const ranges = (v: unknown): [number, number][] =>
    Array.isArray(v)
      ? v
          .map((r) => (Array.isArray(r) ? ([toMinutes(r[0]), toMinutes(r[1])] as [number, number]) : ([NaN, NaN] as [number, number])))
          .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b > a)
      : [];
  const w = (weekly && typeof weekly === 'object' ? weekly : {}) as Record<string, unknown>;
  const week = DAY_KEYS.map((k) => ranges(w[k]));
  if (!week.some((r) => r.length)) return null;
  const hol = new Map<string, [number, number][]>();
  if (Array.isArray(holidays)) {
    for (const h of holidays as { date?: unknown; hours?: unknown }[]) if (h && typeof h.date === 'string') hol.set(h.date, ranges(h.hours));
  }
  return { week, holidays: hol };
}

function windowsOf(cal: Calendar, dayMs: number): [number, number][] {
  const key = isoDate(at(dayMs));
  const ranges = cal.holidays.get(key) ?? cal.week[at(dayMs).getUTCDay()];
  return ranges.map(([a, b]) => [dayMs + a * MIN, dayMs + b * MIN]);
}

/** start + `minutes` of business time (wall time when there is no calendar). */
function addBusinessMinutes(cal: Calendar | null, start: Date, minutes: number): Date {
  if (!cal) return addMin(start, minutes);
  let remaining = Math.max(0, minutes) * MIN;
  const t = start.getTime();
  for (let day = utcMidnight(t), i = 0; i < 3660; day += DAY, i++) {
    for (const [s, e] of windowsOf(cal, day)) {
      const from = Math.max(s, t);
      if (from >= e) continue;
      if (remaining <= e - from) return at(from + remaining);
      remaining -= e - from;
    }
  }
  return addMin(start, minutes);
}

/** Business minutes between two instants. */
function businessMinutesBetween(cal: Calendar | null, a: Date, b: Date): number {
  if (b <= a) return 0;
  if (!cal) return (b.getTime() - a.getTime()) / MIN;
  let total = 0;
  for (let day = utcMidnight(a.getTime()); day < b.getTime(); day += DAY) {
    for (const [s, e] of windowsOf(cal, day)) total += Math.max(0, Math.min(e, b.getTime()) - Math.max(s, a.getTime()));
  }
  return total / MIN;
}

// ─── Text ──────────────────────────────────────────────────────────────────────────────────────
const emailLocal = (first: string, last: string) => `${first}.${last}`.toLowerCase().normalize('NFKD').replace(/[^a-z.]/g, '');

/** Replaces {key} placeholders, resolving each key once per context. */
class Ctx {
  private readonly values = new Map<string, string>();
  constructor(
    private readonly rng: Rng,
    private readonly pools: Record<string, readonly string[]>
  ) {}
  set(key: string, value: string): this {
    this.values.set(key, value);
    return this;
  }
  get(key: string): string {
    let v = this.values.get(key);
    if (v === undefined) {
      const pool = this.pools[key] ?? GLOBAL_VARS[key];
      v = pool ? this.fill(this.rng.pick(pool)) : `{${key}}`;
      this.values.set(key, v);
    }
    return v;
  }
  fill(text: string): string {
    return text.replace(/\{([a-zA-Z]+)\}/g, (_, k: string) => this.get(k));
  }
}

async function insertChunks<K extends keyof Tables & string>(db: Db, table: K, rows: Row<K>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
      .insertInto(table)
      .values(rows.slice(i, i + CHUNK) as Record<string, unknown>[])
      .execute();
  }
}

// ─── People ────────────────────────────────────────────────────────────────────────────────────
interface Site {
  name: string;
  code: string;
  tz: string;
  phone: (r: Rng) => string;
  floors: number;
  weight: number;
}

const SITES: Site[] = [
  { name: 'London HQ', code: 'LON', tz: 'Europe/London', phone: (r) => `+44 20 7946 0${r.int(100, 999)}`, floors: 4, weight: 45 },
  { name: 'Manchester', code: 'MAN', tz: 'Europe/London', phone: (r) => `+44 161 496 0${r.int(100, 999)}`, floors: 2, weight: 20 },
  { name: 'Berlin', code: 'BER', tz: 'Europe/Berlin', phone: (r) => `+49 30 5550 ${r.int(1000, 9999)}`, floors: 2, weight: 12 },
  { name: 'New York', code: 'NYC', tz: 'America/New_York', phone: (r) => `+1 212 555 01${r.int(10, 99)}`, floors: 1, weight: 13 },
  { name: 'Remote', code: 'REM', tz: 'Europe/London', phone: (r) => `+44 7700 900${r.int(100, 999)}`, floors: 0, weight: 10 }
];
const siteByName = (name: string) => SITES.find((s) => s.name === name) ?? SITES[0];

const DEPARTMENTS: { name: string; weight: number; titles: string[] }[] = [
  { name: 'Finance', weight: 9, titles: ['Financial Controller', 'Accounts Payable Clerk', 'Management Accountant', 'Payroll Specialist', 'Finance Business Partner'] },
  { name: 'Human Resources', weight: 6, titles: ['HR Business Partner', 'Recruiter', 'HR Coordinator', 'Learning & Development Manager'] },
  { name: 'Sales', weight: 12, titles: ['Account Executive', 'Sales Development Representative', 'Regional Sales Manager', 'Key Account Manager', 'Sales Operations Analyst'] },
  { name: 'Marketing', weight: 7, titles: ['Marketing Manager', 'Content Strategist', 'Graphic Designer', 'Digital Marketing Specialist', 'Events Coordinator'] },
  { name: 'Operations', weight: 9, titles: ['Operations Manager', 'Logistics Coordinator', 'Supply Chain Analyst', 'Warehouse Supervisor'] },
  { name: 'Legal', weight: 4, titles: ['Legal Counsel', 'Paralegal', 'Contracts Manager', 'Compliance Officer'] },
  { name: 'Engineering', weight: 10, titles: ['Software Engineer', 'Senior Software Engineer', 'QA Engineer', 'Product Manager', 'Data Analyst'] },
  { name: 'Customer Support', weight: 9, titles: ['Customer Success Manager', 'Support Specialist', 'Team Leader, Customer Support', 'Onboarding Specialist'] },
  { name: 'Procurement', weight: 4, titles: ['Procurement Manager', 'Buyer', 'Vendor Manager'] },
  { name: 'Facilities', weight: 4, titles: ['Facilities Manager', 'Office Coordinator', 'Receptionist'] }
];

const FIRST_NAMES = [
  'Olivia', 'James', 'Amelia', 'Noah', 'Isla', 'Oliver', 'Ava', 'George', 'Mia', 'Harry', 'Emily', 'Jack', 'Freya', 'Leo', 'Ella', 'Arthur',
  'Hannah', 'Oscar', 'Zara', 'Ethan', 'Lucy', 'Samuel', 'Nadia', 'Kwame', 'Fatima', 'Mateo', 'Ingrid', 'Lukas', 'Anja', 'Felix', 'Lena',
  'Carlos', 'Mei', 'Rohan', 'Ananya', 'Tariq', 'Yusuf', 'Chiara', 'Pierre', 'Camille', 'Niamh', 'Declan', 'Rhys', 'Megan', 'Callum', 'Eilidh',
  'Joseph', 'Grace', 'Daniel', 'Sarah', 'Michael', 'Laura', 'Andrew', 'Rebecca', 'Kenji', 'Hana', 'Tobias', 'Marta', 'Ibrahim', 'Layla',
  'Victor', 'Alice', 'Patrick', 'Jessica', 'Aaron', 'Naomi', 'Ruth', 'Adam', 'Imogen', 'Kieran'
];
const LAST_NAMES = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker',
  'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', 'Patel', 'Ahmed', 'Nowak', 'Schmidt', 'Müller', 'Fischer', 'Becker',
  'Hoffmann', 'Garcia', 'Fernandes', 'Rossi', 'Bianchi', 'Dubois', 'Laurent', 'Nguyen', 'Tanaka', 'Sato', 'Kowalski', 'Novak', 'Murphy',
  'Kelly', 'Byrne', 'Campbell', 'Stewart', 'MacDonald', 'Reid', 'Mensah', 'Owusu', 'Adeyemi', 'Haddad', 'Cohen', 'Silva', 'Santos',
  'Lindqvist', 'Larsen', 'Hughes', 'Price', 'Morgan', 'Bennett', 'Foster', 'Marsh', 'Fleming', 'Barker', 'Doyle'
];

type Role = 'agent' | 'it_manager' | 'end_user' | 'requester';

interface Person {
  id: string;
  first: string;
  last: string;
  name: string;
  email: string;
  role: Role;
  department: string;
  title: string;
  site: string;
  location: string;
  phone: string;
  vip: boolean;
  /** Relative ticket volume of this person. */
  activity: number;
  teamKeys: TeamKey[];
  available: boolean;
  status: 'active' | 'inactive';
  createdAt: Date;
  laptop?: { id: string; tag: string; model: string };
}

type TeamKey = 'desk' | 'network' | 'field' | 'apps' | 'security';

const TEAMS: { key: TeamKey; name: string; description: string; email: string }[] = [
  { key: 'desk', name: 'Service Desk', description: 'First line: triage, accounts and passwords, how-to questions, routing', email: 'servicedesk' },
  { key: 'network', name: 'Network', description: 'LAN, Wi-Fi, VPN, firewalls, internet circuits and telephony', email: 'network' },
  { key: 'field', name: 'Field Services', description: 'Desk-side support, hardware repairs and swaps, printers, new starter kit', email: 'fieldservices' },
  { key: 'apps', name: 'Applications', description: 'Microsoft 365, line-of-business applications, licensing and software packaging', email: 'applications' },
  { key: 'security', name: 'Security', description: 'Phishing, malware, access reviews, vulnerability management', email: 'security' }
];

/** The IT staff: fixed, so leads and owners are stable across versions of this file. */
const STAFF: { first: string; last: string; role: 'agent' | 'it_manager'; title: string; site: string; teams: TeamKey[]; lead?: TeamKey; available?: boolean }[] = [
  { first: 'Priya', last: 'Patel', role: 'agent', title: 'Service Desk Team Lead', site: 'London HQ', teams: ['desk'], lead: 'desk' },
  { first: 'Tom', last: 'Hughes', role: 'agent', title: 'Service Desk Analyst', site: 'London HQ', teams: ['desk', 'field'] },
  { first: 'Aisha', last: 'Khan', role: 'agent', title: 'Service Desk Analyst', site: 'Manchester', teams: ['desk'] },
  { first: 'Liam', last: "O'Connor", role: 'agent', title: 'Service Desk Analyst', site: 'London HQ', teams: ['desk'] },
  { first: 'Sofia', last: 'Rossi', role: 'agent', title: 'Senior Service Desk Analyst', site: 'Berlin', teams: ['desk', 'apps'] },
  { first: 'Marcus', last: 'Chen', role: 'agent', title: 'Senior Network Engineer', site: 'London HQ', teams: ['network'], lead: 'network' },
  { first: 'Jonas', last: 'Weber', role: 'agent', title: 'Network Engineer', site: 'Berlin', teams: ['network'] },
  { first: 'Dylan', last: 'Brooks', role: 'agent', title: 'Network & Telephony Engineer', site: 'New York', teams: ['network'], available: false },
  { first: 'Grace', last: 'Okafor', role: 'agent', title: 'Field Services Team Lead', site: 'London HQ', teams: ['field'], lead: 'field' },
  { first: 'Ben', last: 'Carter', role: 'agent', title: 'Desktop Support Technician', site: 'Manchester', teams: ['field'] },
  { first: 'Maya', last: 'Singh', role: 'agent', title: 'Field Technician', site: 'New York', teams: ['field'] },
  { first: 'Elena', last: 'Petrova', role: 'agent', title: 'Microsoft 365 Administrator', site: 'London HQ', teams: ['apps'], lead: 'apps' },
  { first: 'Sam', last: 'Whitfield', role: 'agent', title: 'Business Applications Analyst', site: 'Manchester', teams: ['apps'] },
  { first: 'Daniel', last: 'Kim', role: 'agent', title: 'Security Engineer', site: 'London HQ', teams: ['security'], lead: 'security' },
  { first: 'Chloe', last: 'Martin', role: 'agent', title: 'Security Analyst', site: 'Remote', teams: ['security', 'desk'] },
  { first: 'Rachel', last: 'Adams', role: 'it_manager', title: 'Head of IT Operations', site: 'London HQ', teams: ['network', 'security'] },
  { first: 'David', last: 'Moreno', role: 'it_manager', title: 'IT Service Delivery Manager', site: 'London HQ', teams: ['desk', 'field', 'apps'] }
];

const EXECUTIVES: { first: string; last: string; title: string }[] = [
  { first: 'Catherine', last: 'Blake', title: 'Chief Executive Officer' },
  { first: 'Henry', last: 'Walsh', title: 'Chief Financial Officer' },
  { first: 'Olivia', last: 'Grant', title: 'Chief Operating Officer' },
  { first: 'Amara', last: 'Nwosu', title: 'Executive Assistant to the CEO' }
];

const REQUESTER_TITLES = [
  ['Contractor', 'Finance Systems Contractor'],
  ['Contractor', 'Interim Project Manager'],
  ['Agency', 'Temporary Receptionist'],
  ['Agency', 'Freelance Designer'],
  ['Partner', 'Cleaning Services Supervisor'],
  ['Partner', 'Security Guard Supervisor'],
  ['Contractor', 'Data Migration Consultant'],
  ['Agency', 'Temporary Warehouse Operative'],
  ['Partner', 'Catering Manager'],
  ['Contractor', 'Payroll Consultant'],
  ['Agency', 'Temporary Accounts Assistant']
];

// ─── Ticket classification ─────────────────────────────────────────────────────────────────────
type CatKey =
  | 'laptops' | 'printers' | 'peripherals' | 'mobile' | 'telephony'
  | 'vpn' | 'wifi' | 'lan' | 'servers'
  | 'password' | 'mfa' | 'permissions' | 'people'
  | 'outlook' | 'teams' | 'files'
  | 'install' | 'business' | 'licensing'
  | 'phishing' | 'malware'
  | 'howto';

const CATEGORY_TREE: { name: string; description: string; team: TeamKey; children: { key: CatKey; name: string; team?: TeamKey; portal?: boolean }[] }[] = [
  {
    name: 'Hardware', description: 'Laptops, desktops, printers, monitors and phones', team: 'field',
    children: [
      { key: 'laptops', name: 'Laptops & desktops' },
      { key: 'printers', name: 'Printers & scanners' },
      { key: 'peripherals', name: 'Monitors & peripherals' },
      { key: 'mobile', name: 'Mobile phones' },
      { key: 'telephony', name: 'Desk phones', team: 'network' }
    ]
  },
  {
    name: 'Network & connectivity', description: 'VPN, Wi-Fi, office network, servers and file shares', team: 'network',
    children: [
      { key: 'vpn', name: 'VPN & remote access' },
      { key: 'wifi', name: 'Wi-Fi' },
      { key: 'lan', name: 'Office network & internet' },
      { key: 'servers', name: 'Servers & file shares', portal: false }
    ]
  },
  {
    name: 'Accounts & access', description: 'Passwords, MFA, permissions, joiners and leavers', team: 'desk',
    children: [
      { key: 'password', name: 'Passwords & sign-in' },
      { key: 'mfa', name: 'Multi-factor authentication' },
      { key: 'permissions', name: 'Access requests' },
      { key: 'people', name: 'Joiners & leavers' }
    ]
  },
  {
    name: 'Email & collaboration', description: 'Outlook, Teams, OneDrive and SharePoint', team: 'apps',
    children: [
      { key: 'outlook', name: 'Outlook & mailboxes' },
      { key: 'teams', name: 'Teams & meetings' },
      { key: 'files', name: 'OneDrive & SharePoint' }
    ]
  },
  {
    name: 'Software', description: 'Installations, business applications and licences', team: 'apps',
    children: [
      { key: 'install', name: 'Software installation', team: 'desk' },
      { key: 'business', name: 'Business applications' },
      { key: 'licensing', name: 'Licences' }
    ]
  },
  {
    name: 'Security', description: 'Phishing, malware and security alerts', team: 'security',
    children: [
      { key: 'phishing', name: 'Phishing & suspicious email' },
      { key: 'malware', name: 'Malware & security alerts' }
    ]
  },
  {
    name: 'General', description: 'Questions and anything that fits nowhere else', team: 'desk',
    children: [{ key: 'howto', name: 'How-to questions' }]
  }
];

type TypeKey = 'incident' | 'service_request' | 'problem' | 'question';
type Source = 'web' | 'email' | 'portal' | 'api' | 'ai' | 'phone';
type Priority = 'low' | 'medium' | 'high' | 'critical';
type WaitReason = 'customer' | 'parts' | 'third_party' | 'change' | 'scheduled';

interface Template {
  key: string;
  cat: CatKey;
  type: TypeKey;
  weight: number;
  /** Weights for low, medium, high, critical. */
  prio: [number, number, number, number];
  subjects: string[];
  bodies: string[];
  tags: string[];
  resolutions: string[];
  vars?: Record<string, string[]>;
  /** Questions an agent asks the requester, each with the answers that fit it. */
  asks?: Ask[];
  notes?: string[];
  kb?: string;
  asset?: 'laptop' | 'printer';
  wait?: WaitReason;
  waitChance?: number;
  /** Phone calls about this are often fixed during the call. */
  fcr?: boolean;
  /** Whether an agent may stop to ask the requester a generic question (default yes). */
  customerWait?: boolean;
  /** What the agent says when the ticket waits for `wait`, and the note when it resumes. */
  waitText?: string[];
  resumeNote?: string[];
  sources?: Partial<Record<Source, number>>;
  /** Raised by IT staff (monitoring, problem management) rather than by users. */
  staffOnly?: boolean;
}

const PRIORITIES: Priority[] = ['low', 'medium', 'high', 'critical'];
const SOURCES: Source[] = ['web', 'email', 'portal', 'api', 'ai', 'phone'];
const SOURCE_WEIGHTS: Record<Source, number> = { web: 12, email: 32, portal: 36, api: 0, ai: 6, phone: 14 };

const GLOBAL_VARS: Record<string, readonly string[]> = {
  when: ['this morning', 'yesterday afternoon', 'Monday', 'the update last night', 'lunchtime', 'the weekend'],
  share: ['Finance (F:)', 'Projects (P:)', 'HR Confidential', 'Marketing Assets', 'Sales Proposals', 'Legal Contracts', 'Operations Reports'],
  app: ['Salesforce', 'Workday', 'SAP Concur', 'Xero', 'HubSpot', 'Jira', 'Confluence', 'DocuSign', 'Power BI'],
  software: ['Adobe Acrobat Pro', 'Microsoft Visio', 'Power BI Desktop', 'Python 3.12', 'Tableau Desktop', 'Notepad++', 'Zoom', 'Visual Studio Code', 'Adobe Photoshop', '7-Zip', 'Postman', 'Microsoft Project'],
  mailbox: ['accounts-payable', 'hr-enquiries', 'sales-ops', 'facilities', 'recruitment', 'customer-success', 'legal-contracts'],
  server: ['lon-fs01', 'lon-sql02', 'lon-app03', 'lon-print01', 'man-fs01', 'lon-dc01'],
  room: ['the Thames meeting room', 'the open-plan area by the kitchen', 'the boardroom', 'the small meeting rooms', 'the training room', 'the quiet zone'],
  vpnError: ['Gateway not responding', 'Authentication failed', 'The network connection was lost', 'Portal address could not be resolved', 'Certificate error'],
  appError: ['Session expired, please log in again', 'Error 500 – Internal Server Error', 'You do not have permission to perform this action', 'Request timed out', 'Unable to save record'],
  externalDomain: ['northwind-traders.example', 'contoso-logistics.example', 'fabrikam.example', 'tailspin-toys.example', 'adventure-works.example'],
  vendor: ['our payroll provider', 'the auditors', 'a key supplier', 'our insurance broker', 'a customer'],
  costCentre: ['4410', '3120', '5230', '2015', '6100'],
  caseRef: ['CS-48213', 'SR 3-2915873', 'INC0098812', 'RMA-77310', '#551902'],
  minutes: ['10', '15', '20', '30'],
  phoneModel: ['iPhone 15', 'iPhone 14', 'Samsung Galaxy S23', 'Samsung Galaxy A54'],
  impersonated: ['Microsoft 365', 'DocuSign', 'our CEO', 'the finance director', 'DHL', 'HMRC', 'the IT department'],
  browser: ['Chrome', 'Edge', 'Safari', 'Firefox']
};

const TEMPLATES: Template[] = [
  {
    key: 'vpn_connect', cat: 'vpn', type: 'incident', weight: 14, prio: [1, 6, 3, 0.3], kb: 'connect-to-the-vpn', tags: ['vpn', 'remote'], asset: 'laptop', fcr: true,
    subjects: ["Can't connect to VPN from home", 'VPN keeps disconnecting every few minutes', "GlobalProtect stuck on 'Connecting…'", 'VPN error: {vpnError}'],
    bodies: [
      "Since {when} I can't connect to the VPN. GlobalProtect shows \"{vpnError}\". I'm working from home today and need the {share} drive. Laptop is {laptop}.",
      'The VPN connects but drops after a few minutes, which kills my Teams calls and any file copy. My home internet is fine otherwise (tested on my phone). Laptop {laptop}.',
      "GlobalProtect just spins on \"Connecting…\" and then gives up. I've restarted the laptop twice. I need to get into {app} before the end of the day.",
      'GlobalProtect pops up "{vpnError}" every time I click Connect. It worked yesterday. I am on {laptop} at home.'
    ],
    asks: [['Hi {first}, could you send a screenshot of the GlobalProtect window and tell me which network you are on (home broadband, hotspot, hotel)? Also, does it work if you tether to your phone?', ['Screenshot attached. I am on my home broadband; tethering to my phone works fine.', 'I am in a hotel this week. Screenshot attached — it does connect on my phone hotspot.']]],
    resolutions: [
      "Hi {first}, the VPN client on your laptop had a stale portal configuration. I've cleared the cached portal, reinstalled GlobalProtect 6.2 and you're connected again. If it drops again, right-click the icon → Refresh Connection before anything else.",
      'Hi {first}, your home router was handing out addresses in the same range as the office network (192.168.10.x), which confused the VPN routing. Changing the router LAN range to 192.168.50.x fixed it — thanks for trying that with me on the call.',
      'Hi {first}, your certificate for the VPN had expired. I have issued a new one via Intune and confirmed the tunnel comes up. No further action needed.'
    ],
    notes: ['Gateway logs show repeated auth failures for this user — certificate expired 2 days ago.', 'Checked gw01/gw02 health, both fine. Looks client-side.']
  },
  {
    key: 'vpn_slow', cat: 'vpn', type: 'incident', weight: 5, prio: [3, 5, 1, 0], kb: 'working-from-home-network-tips', tags: ['vpn', 'performance', 'remote'],
    subjects: ['VPN very slow – file shares take ages to open', 'Everything is slow over VPN today'],
    bodies: [
      'Opening anything on {share} over the VPN takes 30+ seconds, Excel files time out. Speedtest at home shows 70 Mbps so I think it is the VPN.',
      'Since {when} the VPN is really slow — {app} pages take forever and Teams calls stutter when I am connected.'
    ],
    resolutions: [
      'Hi {first}, you were connecting to the Berlin gateway instead of London. I have pinned your portal to the nearest gateway; transfers should be back to normal. Large files are faster via OneDrive than the mapped drive over VPN.',
      'Hi {first}, there was congestion on our internet circuit this morning caused by a large backup job — it has been rescheduled out of hours. Speeds are back to normal now.'
    ]
  },
  {
    key: 'wifi_drop', cat: 'wifi', type: 'incident', weight: 8, prio: [1, 5, 3, 0.2], kb: 'connect-to-office-wifi', tags: ['wifi'],
    subjects: ['Wi-Fi drops in {room}', "Laptop won't join OUTPOST-CORP Wi-Fi", 'Very weak Wi-Fi signal on floor {floor}'],
    bodies: [
      'The Wi-Fi keeps dropping in {room} on floor {floor} at {site}. Several of us have the same problem, mostly during video calls.',
      "My laptop ({laptop}) won't connect to OUTPOST-CORP any more — it says \"Can't connect to this network\". The guest network works.",
      'Signal on floor {floor} is one bar at best since {when}. It used to be fine.'
    ],
    asks: [['Hi {first}, could you tell me roughly where you sit (desk number) and whether colleagues around you have the same problem?', ['Desk {floor}.14, by the window. Two people next to me have the same problem.', 'I sit near {room}. It seems to be just me, colleagues are fine.']]],
    resolutions: [
      'Hi {first}, one of the access points on floor {floor} had stopped broadcasting on 5 GHz. I rebooted it and adjusted the channel plan; signal in that area is back to full strength.',
      'Hi {first}, your laptop had an old Wi-Fi profile with a cached password. I removed it and re-pushed the OUTPOST-CORP certificate profile; you should connect automatically now.',
      'Hi {first}, the access point serving that area had failed. Field Services replaced it this afternoon and the coverage survey looks good.'
    ],
    notes: ['Meraki dashboard shows AP on floor {floor} flapping since {when}.']
  },
  {
    key: 'wifi_guest', customerWait: false, cat: 'wifi', type: 'service_request', weight: 3, prio: [6, 2, 0, 0], tags: ['wifi', 'guest'],
    subjects: ['Guest Wi-Fi for visitors on {startDate}', 'Wi-Fi access for an external workshop'],
    bodies: ['We have {n} visitors from a client coming to {site} on {startDate} for a workshop. Can they get Wi-Fi access for the day?'],
    vars: { n: ['4', '6', '8', '12', '15'] },
    resolutions: ['Hi {first}, I have created a guest voucher valid all day on {startDate}: network OUTPOST-GUEST, code sent to you separately by email. Vouchers are per device, up to 20 devices.']
  },
  {
    key: 'printer_issue', cat: 'printers', type: 'incident', weight: 12, prio: [4, 6, 1, 0], kb: 'printer-troubleshooting', tags: ['printer'], asset: 'printer', wait: 'parts', waitChance: 0.3,
    subjects: ['Printer {printer} shows offline', '{printer} jamming on every print job', "Can't print to {printer} – job stuck in queue", '{printer} printing blank pages'],
    bodies: [
      'The printer {printer} on floor {floor} shows as offline on my laptop. Others near me cannot print either.',
      "Every job on {printer} jams at the fuser. We've opened it and cleared paper but it jams again straight away.",
      'My print jobs to {printer} sit in the queue with status "Error – Printing". I have restarted my laptop.',
      '{printer} is printing completely blank pages since {when}. The display says toner is fine.'
    ],
    resolutions: [
      'Hi {first}, the printer had picked up a new IP address after a power cut. I gave it a reservation in DHCP so it keeps its address; it is back online.',
      'Hi {first}, the fuser unit on {printer} was worn out. The engineer replaced it today under the maintenance contract and test prints are fine.',
      'Hi {first}, the print spooler on lon-print01 had hung. I restarted it and cleared the stuck jobs; {printer} is printing again.',
      'Hi {first}, the drum unit in {printer} had failed, which is why pages came out blank. It has been replaced and print quality is back to normal.'
    ],
    notes: ['Logged a call with the print vendor, ref {caseRef}. Engineer visit expected within 2 working days.', 'Printer page count 184k — due for maintenance kit anyway.']
  },
  {
    key: 'printer_add', cat: 'printers', type: 'question', weight: 4, prio: [7, 2, 0, 0], kb: 'add-a-printer', tags: ['printer', 'how-to'], fcr: true,
    subjects: ['How do I add {printer} to my laptop?', 'Printer missing from my list after laptop replacement'],
    bodies: ["I've moved desks and need to print to {printer}, but it isn't in my list of printers. How do I add it?", 'Since my laptop was replaced I have no printers at all. I mostly use {printer}.'],
    resolutions: ['Hi {first}, you can add it yourself from Settings → Printers & scanners → Add device, or use the step-by-step article linked here. I have added {printer} for you remotely this time.']
  },
  {
    key: 'scan_to_email', cat: 'printers', type: 'incident', weight: 3, prio: [3, 4, 0, 0], kb: 'scan-to-email', tags: ['printer', 'scanning'],
    subjects: ['Scan to email not working on {printer}', 'Scans never arrive in my inbox'],
    bodies: ['When I scan to email on {printer} it says "Sent" but nothing arrives, not even in junk. Colleagues have the same issue.'],
    resolutions: ['Hi {first}, the scanner was still using the old SMTP relay password that was rotated last week. I updated it on all the multifunction printers and scans are arriving again.']
  },
  {
    key: 'password_reset', cat: 'password', type: 'service_request', weight: 16, prio: [2, 6, 2, 0], kb: 'reset-your-password', tags: ['password', 'account'], fcr: true,
    sources: { phone: 35, portal: 10, email: 25, web: 5, ai: 10 },
    subjects: ['Password reset – locked out', 'Account locked after changing my password', 'Forgot my password after holiday', 'Locked out of my account'],
    bodies: [
      "I've been locked out after too many attempts. I think my phone still had the old password for email. Please can you reset it?",
      "I changed my password yesterday and now I'm locked out every hour or so.",
      "Back from two weeks' leave and I can't remember my password. Self-service reset asks for MFA on my old phone.",
      'My account says it is locked and I cannot sign in to my laptop or email. I have a client call in an hour.'
    ],
    resolutions: [
      'Hi {first}, I verified your identity and unlocked your account. The lockouts were caused by your phone using the old password for mail — please update it there (Settings → Mail → Accounts) to stop it happening again.',
      'Hi {first}, I unlocked your account and found the cause: your phone was still trying the old password for mail. Once you update it there (Settings → Mail → Accounts) the lockouts will stop.',
      'Hi {first}, I have reset your password and sent the temporary one to your manager by Teams as agreed. You will be asked to change it at first sign-in. Self-service reset is explained in the linked article for next time.',
      'Hi {first}, I verified your identity by callback and unlocked your account — you should be able to sign in now. An old session on your previous laptop was using a saved password; I signed it out.'
    ],
    notes: ['Identity verified by callback to the number in Workday.', 'Lockout source: Exchange ActiveSync from an iPhone — old password cached.']
  },
  {
    key: 'password_expiry', customerWait: false, cat: 'password', type: 'question', weight: 3, prio: [8, 1, 0, 0], kb: 'reset-your-password', tags: ['password', 'how-to'], fcr: true,
    subjects: ['Password expiry notification – how do I change it?', 'Is the "password expires in 5 days" email genuine?'],
    bodies: ['I got an email saying my password expires in 5 days. Is this genuine and how do I change it without getting locked out of my phone?'],
    resolutions: ['Hi {first}, yes, that reminder is genuine (it comes from it-notifications@ and never contains a link). Press Ctrl+Alt+Del → Change a password on your laptop while on the office network or VPN, then update the password on your phone when it asks.']
  },
  {
    key: 'mfa_new_phone', cat: 'mfa', type: 'service_request', weight: 7, prio: [2, 6, 1, 0], kb: 'move-mfa-to-new-phone', tags: ['mfa', 'mobile'], fcr: true,
    subjects: ['New phone – need to move Microsoft Authenticator', 'MFA prompts not arriving on my phone'],
    bodies: [
      'I got a new {phoneModel} and my Authenticator did not transfer. I still have the old phone for now.',
      'MFA notifications stopped arriving on my phone since {when}. I can only sign in when I am on the office Wi-Fi.'
    ],
    resolutions: [
      "Hi {first}, I removed the old registration and you've set up Authenticator on your new phone during our call. Please keep the old phone wiped before handing it back.",
      'Hi {first}, notifications were disabled for the Authenticator app in your phone settings after the iOS update. Re-enabling them fixed it.'
    ]
  },
  {
    key: 'mfa_lost', customerWait: false, cat: 'mfa', type: 'incident', weight: 3, prio: [0, 2, 5, 1], kb: 'lost-or-stolen-device', tags: ['mfa', 'mobile', 'lost-device'],
    subjects: ['Lost my phone – cannot complete MFA', 'Phone stolen – company email on it'],
    bodies: [
      'I lost my phone on the train this morning. It had Outlook, Teams and the Authenticator app on it. I cannot sign in to anything now.',
      'My phone was stolen from my bag last night. It had Outlook, Teams and the Authenticator app on it. I have reported it to the police.'
    ],
    resolutions: ['Hi {first}, I have remotely wiped company data from the lost phone via Intune, revoked your sessions and issued a temporary access pass so you could register Authenticator on your replacement phone. Please report the loss to Facilities as well for the insurance.'],
    notes: ['Intune selective wipe issued, sessions revoked in Entra ID. Security informed.']
  },
  {
    key: 'access_share', cat: 'permissions', type: 'service_request', weight: 9, prio: [5, 4, 0, 0], kb: 'request-access-to-shared-drives', tags: ['access-request'], wait: 'customer', waitChance: 0.45,
    subjects: ['Access to {share} shared drive', 'Need edit rights on {share}', 'Cannot open folder on {share} – access denied'],
    bodies: [
      'Could I please have access to the {share} drive? I have joined a project with the {dept} team. My manager is happy to approve.',
      'I can read files on {share} but cannot save changes. I need edit rights for month-end.',
      'I get "Access denied" when I open a folder on {share} that I used last week. Has something changed?'
    ],
    asks: [['Hi {first}, access to {share} needs approval from the data owner. Could you ask your manager to reply to this ticket to confirm?', ['My manager has replied to confirm — she is copied in.', 'Approved by my manager by email this morning, forwarded to the service desk.']]],
    resolutions: ['Hi {first}, approval received — I have added you to the group for {share} (edit). Sign out and back in (or restart) for the drive to appear.'],
    notes: ['Owner approval received by email, attached to ticket.']
  },
  {
    key: 'access_app', cat: 'permissions', type: 'service_request', weight: 7, prio: [5, 4, 0.5, 0], tags: ['access-request'], wait: 'customer', waitChance: 0.35,
    subjects: ['Request access to {app}', '{app} account for new role', 'Need admin rights in {app}'],
    bodies: [
      'Please can I get access to {app}? I need it for my work in {dept} from next week.',
      'I have moved into a new role in {dept} and need an account in {app}. My manager can confirm.',
      'I now manage the {dept} team and need admin rights in {app} to add and remove users. My director has approved.'
    ],
    resolutions: ['Hi {first}, your {app} account is set up with the standard {dept} role. You can sign in with single sign-on from the My Apps portal.'],
    asks: [['Hi {first}, which role do you need in {app} (read-only or editor)? And could your manager confirm by replying here?', ['Editor please. My manager has confirmed below.', 'Read-only is enough for now. Manager approval attached.']]]
  },
  {
    key: 'access_mailbox', cat: 'permissions', type: 'service_request', weight: 4, prio: [5, 3, 0, 0], kb: 'access-a-shared-mailbox', tags: ['access-request', 'email'],
    subjects: ['Access to shared mailbox {mailbox}@', 'Add me to the {mailbox} mailbox'],
    bodies: ['Could I please get send-as and full access to the {mailbox} shared mailbox? I am covering for a colleague.'],
    resolutions: ['Hi {first}, you now have full access and send-as rights on {mailbox}@. It will appear in Outlook automatically within an hour; the linked article explains how to send from it.']
  },
  {
    key: 'laptop_slow', cat: 'laptops', type: 'incident', weight: 9, prio: [3, 6, 1, 0], tags: ['laptop', 'performance'], asset: 'laptop',
    subjects: ['Laptop extremely slow since the last update', '{laptopModel} running hot and slow', 'Laptop takes 10 minutes to start'],
    bodies: [
      'My laptop ({laptop}) has been really slow since {when}. Outlook and Excel freeze for several seconds.',
      'My {laptopModel} ({laptop}) gets very hot, the fan is constantly loud and everything is sluggish, especially on Teams calls.',
      'It takes about 10 minutes from power on to a usable desktop. Laptop {laptop}, {laptopModel}.'
    ],
    resolutions: [
      'Hi {first}, a stuck Windows update was retrying in the background and using most of the disk. I cleared the update cache and installed the update manually; it is back to normal speed.',
      'Hi {first}, the fan was clogged with dust and the CPU was throttling. We cleaned it during a desk visit and the temperatures are normal again.',
      'Hi {first}, your disk was 98% full (mostly Teams cache and old downloads), which also slowed start-up. I cleaned it up with you and enabled OneDrive Files On-Demand; start-up is under a minute now.'
    ],
    notes: ['Disk 98% full, Teams cache 14 GB.', 'Intune shows pending cumulative update failing with 0x800f0922.']
  },
  {
    key: 'laptop_broken', cat: 'laptops', type: 'incident', weight: 7, prio: [1, 5, 3, 0], tags: ['laptop', 'hardware'], asset: 'laptop', wait: 'parts', waitChance: 0.5,
    subjects: ['Cracked screen on laptop {laptop}', "Laptop won't power on", 'Keyboard keys not working on {laptop}'],
    bodies: [
      'I dropped my bag and the screen on {laptop} is now cracked across the middle. It still works with an external monitor.',
      "My laptop won't turn on at all this morning — no lights, nothing. It was charging overnight.",
      'Several keys (E, R, T) stopped working on my laptop keyboard. An external keyboard works.'
    ],
    asks: [['Hi {first}, are you in the office this week? We can swap you onto a loan laptop while yours is repaired.', ['Yes, I am in on Thursday — a loan laptop would be great.', 'I am in the office tomorrow from 9.']]],
    resolutions: [
      'Hi {first}, the screen was replaced under warranty and your laptop is back at your desk. Your loan laptop has been collected.',
      'Hi {first}, the motherboard had failed. We have replaced your laptop with a new one, restored your OneDrive files and reinstalled your apps.',
      'Hi {first}, the keyboard was replaced by the manufacturer engineer on site today. All keys are working.'
    ],
    notes: ['Warranty claim raised with Dell, dispatch {caseRef}. Loan laptop issued.', 'Out of warranty — quote for repair more than 50% of replacement, recommending replacement.']
  },
  {
    key: 'laptop_replace', cat: 'laptops', type: 'service_request', weight: 4, prio: [4, 4, 0, 0], kb: 'request-new-hardware', tags: ['laptop', 'hardware-request'], asset: 'laptop', wait: 'parts', waitChance: 0.6,
    vars: { heavy: ['Excel', 'Power BI', 'Photoshop', 'video', 'Tableau'] },
    waitText: ["Hi {first}, approved — your new laptop is on order and should arrive within 5 working days. I'll let you know when it's ready to collect."],
    resumeNote: ['New laptop arrived from the supplier, building it now.'],
    subjects: ['Laptop replacement – {laptop} out of warranty', 'Request a more powerful laptop for {dept} work'],
    bodies: [
      'My laptop {laptop} is over four years old, the battery lasts about an hour and it struggles with Teams. Could it be replaced in the refresh?',
      "I now work with large {heavy} files and my current laptop ({laptop}) can't keep up. Could I get a higher-spec model? My manager supports it."
    ],
    resolutions: ['Hi {first}, your new laptop is ready and set up with your apps. Please bring the old one to the IT bar so we can wipe it — see you at {site}!'],
    notes: ['Added to refresh batch; stock arriving next week.']
  },
  {
    key: 'laptop_battery', cat: 'laptops', type: 'incident', weight: 3, prio: [6, 2, 0, 0], kb: 'laptop-battery-care', tags: ['laptop', 'battery'], asset: 'laptop', wait: 'parts', waitChance: 0.4,
    subjects: ['Laptop battery only lasts an hour', 'Battery swollen – trackpad lifting'],
    bodies: [
      'The battery on {laptop} drains from 100% to 10% in about an hour, even with just Outlook open.',
      'The trackpad on {laptop} is lifting and the case bulges underneath. I think the battery is swollen — I have stopped using it.'
    ],
    resolutions: [
      'Hi {first}, the battery health report showed 41% of design capacity. A replacement battery has been fitted.',
      'Hi {first}, the battery was indeed swollen — thank you for stopping straight away. The battery has been replaced and the chassis checked; all safe.'
    ]
  },
  {
    key: 'dock_monitor', cat: 'peripherals', type: 'incident', weight: 7, prio: [4, 5, 0, 0], kb: 'docking-station-monitors', tags: ['monitor', 'docking-station'],
    subjects: ['Docking station not detecting external monitors', 'Second monitor flickering', 'Monitors go black when I dock my laptop'],
    bodies: [
      'When I plug into the dock at my desk only one of the two monitors comes on. Tried a different desk with the same result.',
      'My second monitor keeps flickering and going black for a second every few minutes.',
      'Every time I plug my laptop into the dock both monitors go black for a few seconds, then only the laptop screen works.'
    ],
    resolutions: [
      'Hi {first}, the dock firmware was out of date. I updated it along with the display driver and both monitors now work.',
      'Hi {first}, the DisplayPort cable was faulty. I have replaced it and the flickering has stopped.',
      'Hi {first}, the dock had the wrong power supply (65 W for a 90 W laptop), so it dropped the displays when charging. I fitted the correct 130 W supply and it is stable now.'
    ]
  },
  {
    key: 'peripheral_request', cat: 'peripherals', type: 'service_request', weight: 6, prio: [8, 2, 0, 0], kb: 'request-new-hardware', tags: ['hardware-request'],
    subjects: ['Request for a second monitor', 'Need an ergonomic keyboard and mouse', 'Headset for Teams calls', 'Webcam for meeting room'],
    bodies: [
      'Could I have a second monitor at my desk at {site}? I work with large spreadsheets all day.',
      'Following my DSE assessment I have been advised to use an ergonomic keyboard and vertical mouse.',
      'My headset broke — could I get a replacement? I am on calls most of the day.',
      'The webcam in {room} stopped working and we run hybrid meetings there every day. Could it be replaced?'
    ],
    resolutions: ['Hi {first}, this has been delivered and set up at {site}. Enjoy!', 'Hi {first}, approved by your manager and ordered; it arrived today and is ready for collection at the IT bar.']
  },
  {
    key: 'outlook_crash', cat: 'outlook', type: 'incident', weight: 8, prio: [2, 6, 2, 0], kb: 'outlook-wont-start', tags: ['outlook', 'email'],
    subjects: ['Outlook keeps crashing when opening', "Outlook stuck on 'Loading profile'", 'Outlook freezes when I open attachments'],
    bodies: [
      'Outlook crashes every time I open it since {when}. It says "Microsoft Outlook has stopped working" and closes.',
      'Outlook has been stuck on "Loading profile…" for 20 minutes. Webmail works fine.',
      'Outlook freezes for a minute every time I open a PDF or Excel attachment, then says "Not responding".'
    ],
    resolutions: [
      'Hi {first}, a faulty add-in was crashing Outlook. I disabled it and Outlook starts normally; the add-in vendor has released a fix we are rolling out.',
      'Hi {first}, your Outlook profile was corrupted. I created a new profile and your mail is syncing again (this can take a little while for older mail).',
      'Hi {first}, the attachment preview handlers were broken after an Office update. A quick repair of Microsoft 365 Apps fixed it; attachments open straight away now.'
    ],
    notes: ['Event log: faulting module from a CRM add-in. Same signature as several other tickets this month.']
  },
  {
    key: 'outlook_search', cat: 'outlook', type: 'incident', weight: 3, prio: [5, 3, 0, 0], kb: 'outlook-wont-start', tags: ['outlook', 'search'],
    subjects: ['Outlook search not returning recent emails', 'Search in Outlook finds nothing'],
    bodies: ['Searching in Outlook only finds emails older than a month. Anything recent is missing from the results.'],
    resolutions: ['Hi {first}, the Windows search index was corrupted. I rebuilt it; give it an hour to finish and recent emails will show in search again.']
  },
  {
    key: 'mailbox_full', cat: 'outlook', type: 'incident', weight: 4, prio: [2, 5, 1, 0], kb: 'mailbox-full', tags: ['email', 'mailbox'],
    subjects: ["Mailbox full – can't send emails", 'Warning: your mailbox is almost full'],
    bodies: ['Outlook says my mailbox is full and I cannot send anything. I have deleted a lot already.'],
    resolutions: ['Hi {first}, I enabled the online archive for your mailbox and set a 2-year archive policy. You have plenty of space now — see the linked article for tips.']
  },
  {
    key: 'email_delivery', cat: 'outlook', type: 'incident', weight: 4, prio: [1, 5, 2, 0], tags: ['email', 'mail-flow'], wait: 'third_party', waitChance: 0.3,
    subjects: ['Emails to {externalDomain} bouncing back', 'Not receiving emails from {vendor}'],
    bodies: [
      'Every email I send to anyone at {externalDomain} comes back with "550 5.7.1 Message rejected". It worked last week.',
      'I am expecting emails from {vendor} but nothing has arrived since {when}. They say they have sent several.'
    ],
    resolutions: [
      "Hi {first}, their mail server was rejecting us because of a stale SPF record on their side. Their IT team has fixed it and I've confirmed a test email gets through.",
      'Hi {first}, the messages were being quarantined as bulk mail. I released them and added the sender to the allow list.'
    ],
    notes: ['Message trace shows quarantine, reason: bulk. Releasing and allow-listing.']
  },
  {
    key: 'calendar_delegate', cat: 'outlook', type: 'question', weight: 3, prio: [7, 2, 0, 0], kb: 'share-your-calendar', tags: ['outlook', 'calendar', 'how-to'], fcr: true,
    subjects: ['Give my assistant access to my calendar', 'How do I share my calendar with my team?'],
    bodies: ['How can my assistant manage my calendar and accept meetings on my behalf?', 'How do I let my team see the details of my calendar so they can book time with me?'],
    resolutions: [
      'Hi {first}, in Outlook go to File → Account Settings → Delegate Access → Add, pick the person and give Calendar "Editor". The linked article has screenshots. I have set it up for you this time.',
      'Hi {first}, right-click your calendar → Sharing Permissions → Add, choose your team\'s group and pick "Can view all details". The linked article has screenshots.'
    ]
  },
  {
    key: 'teams_av', cat: 'teams', type: 'incident', weight: 6, prio: [3, 5, 1, 0], kb: 'teams-audio-video', tags: ['teams', 'audio-video'],
    subjects: ['No audio in Teams meetings', 'Camera not detected in Teams', 'People cannot hear me in Teams'],
    bodies: [
      'In Teams meetings I cannot hear anyone, but YouTube works fine. Headset is plugged in.',
      'Teams says "No camera found" although the camera works in the Camera app.',
      "In Teams calls people say they can't hear me, although my headset microphone works in other apps."
    ],
    resolutions: [
      'Hi {first}, Teams was set to use the dock speakers instead of your headset. I changed the device in Teams settings and ran a test call with you.',
      'Hi {first}, a privacy setting was blocking camera access for desktop apps. Once enabled, Teams found the camera.',
      "Hi {first}, Teams was using the laptop's muted built-in microphone. I selected your headset and turned off automatic device switching; the test call sounds fine."
    ]
  },
  {
    key: 'onedrive_sync', cat: 'files', type: 'incident', weight: 6, prio: [3, 5, 1, 0], kb: 'onedrive-sync-issues', tags: ['onedrive', 'sharepoint'],
    subjects: ['OneDrive not syncing – red cross on files', "Can't open the {spSite} SharePoint site – access denied", 'SharePoint library will not sync'],
    vars: { spSite: ['Finance Hub', 'Sales Enablement', 'HR Policies', 'Project Atlas', 'Marketing Brand Centre'] },
    bodies: [
      'OneDrive shows red crosses on a lot of my files and says "Sync pending" since {when}.',
      'I get "Access denied" on the {spSite} SharePoint site. I could open it last week.',
      'The {spSite} document library stopped syncing to my laptop. OneDrive shows error 0x8004de40.'
    ],
    resolutions: [
      'Hi {first}, a file with an invalid character in the name was blocking the sync. I renamed it and reset OneDrive; everything is in sync again.',
      'Hi {first}, the {spSite} site owners had tidied up permissions and removed a group you were in. They have added you back.',
      'Hi {first}, OneDrive had signed out after your password change. I signed it back in and re-added the {spSite} library; it is syncing again.'
    ]
  },
  {
    key: 'restore_files', customerWait: false, cat: 'files', type: 'service_request', weight: 3, prio: [2, 5, 2, 0], kb: 'restore-deleted-files', tags: ['onedrive', 'restore'],
    subjects: ['Restore deleted files from OneDrive', 'Accidentally deleted a folder on {share}'],
    bodies: [
      'I accidentally deleted the folder "Q3 forecasts" from my OneDrive yesterday and it is not in the recycle bin any more.',
      'I deleted a folder called "Contracts 2024" on {share} by mistake this morning. Can it be restored?'
    ],
    resolutions: [
      'Hi {first}, I restored the folder from the second-stage recycle bin. All files are back with their version history.',
      "Hi {first}, I restored the folder from last night's backup of the file server. Anything saved this morning before it was deleted may need redoing — sorry!"
    ]
  },
  {
    key: 'software_install', cat: 'install', type: 'service_request', weight: 10, prio: [6, 3, 0, 0], kb: 'install-software-company-portal', tags: ['software'], fcr: true,
    subjects: ['Install {software} on my laptop', 'Need {software} for a project', '{software} – request installation'],
    bodies: ['Could you please install {software} on my laptop ({laptop})? I need it for work with the {dept} team.', 'I need {software} for a new project. It is not in Company Portal.'],
    resolutions: [
      'Hi {first}, {software} is available in Company Portal — I have pushed it to your laptop and it should appear in the Start menu within 15 minutes.',
      'Hi {first}, {software} has been packaged and installed on your laptop. Let us know if anything is missing.'
    ],
    asks: [['Hi {first}, {software} needs a licence. Could your manager confirm the cost centre to charge it to?', ['Cost centre is {costCentre}, approved by my manager (copied).', 'My manager says to use cost centre {costCentre}.']]]
  },
  {
    key: 'software_license', cat: 'licensing', type: 'service_request', weight: 3, prio: [5, 3, 0, 0], kb: 'request-software-license', tags: ['software', 'licence'], wait: 'customer', waitChance: 0.5,
    subjects: ['Licence for {software}', '{software} says my trial has expired'],
    bodies: ['{software} says my licence has expired and I cannot save files. I use it daily.'],
    asks: [['Hi {first}, we need your manager to approve the licence cost. Could you ask them to reply here?', ['My manager has approved — cost centre {costCentre}.', 'Approved, see the email from my manager below.']]],
    resolutions: ['Hi {first}, a licence seat has been assigned to you. Sign out of {software} and back in to activate it.']
  },
  {
    key: 'app_error', cat: 'business', type: 'incident', weight: 8, prio: [2, 6, 2, 0.3], tags: ['business-app'], wait: 'third_party', waitChance: 0.25,
    subjects: ['{app} error: "{appError}"', '{app} not loading in {browser}', 'Cannot submit expenses in {app}'],
    bodies: [
      'When I try to save in {app} I get "{appError}". I have tried {browser} and another browser.',
      '{app} has been stuck on a loading screen in {browser} since {when}.',
      'When I submit my expenses in {app} I get "{appError}" and the claim stays in draft.'
    ],
    resolutions: [
      'Hi {first}, your {app} role was missing a permission after the last release. The vendor fixed the role template and it works now.',
      'Hi {first}, clearing the cached SSO session fixed the error. If it comes back, sign out of My Apps and in again.'
    ],
    notes: ['Vendor support case {caseRef} opened.', 'Reproduced with a test account, affects only users with the {dept} role.']
  },
  {
    key: 'app_outage', customerWait: false, cat: 'business', type: 'incident', weight: 2, prio: [0, 1, 5, 3], tags: ['business-app', 'outage'],
    subjects: ['{app} down for the whole {dept} team', '{app} unavailable – urgent'],
    bodies: ['Nobody in {dept} can log in to {app} since {when}. We have a deadline today.'],
    resolutions: ['Hi {first}, the vendor had an outage affecting EU customers. Service is restored and we are monitoring. Apologies for the disruption.'],
    notes: ['Vendor status page confirms incident. Posted service alert on the portal.']
  },
  {
    key: 'network_outage', customerWait: false, cat: 'lan', type: 'incident', weight: 3, prio: [0, 1, 4, 4], tags: ['network', 'outage'],
    subjects: ['No network on floor {floor} at {site}', 'Internet down at {site} office'],
    bodies: ['Nobody on floor {floor} at {site} has network — wired or Wi-Fi. Started about {minutes} minutes ago.', 'The internet is down at {site}. Internal systems work but no external websites.'],
    resolutions: [
      'Hi {first}, an access switch on floor {floor} lost power after a UPS fault. It is back up and we have replaced the UPS battery.',
      'Hi {first}, our ISP had a fibre cut. Traffic failed over to the backup 4G link after we fixed a routing issue; the main circuit is restored now.'
    ],
    notes: ['Switch unreachable in monitoring since {minutes} minutes. Dispatching field tech.']
  },
  {
    key: 'file_share', customerWait: false, cat: 'servers', type: 'incident', weight: 3, prio: [0, 3, 4, 1], tags: ['file-share'],
    subjects: ['Shared drive {share} not accessible', '{share} very slow to open files'],
    bodies: ['The {share} drive shows a red X and I cannot open anything. Colleagues have the same problem.', 'Opening anything on {share} takes a minute or more today, and saving Excel files times out.'],
    resolutions: [
      'Hi {first}, the file server ran out of space on the data volume. We extended it and the share is accessible again.',
      "Hi {first}, the file server's antivirus scan had started during office hours. We stopped it and rescheduled it for the night; performance is back to normal."
    ]
  },
  {
    key: 'phishing', customerWait: false, cat: 'phishing', type: 'incident', weight: 8, prio: [1, 5, 3, 0.3], kb: 'report-phishing', tags: ['phishing', 'security'],
    subjects: ['Suspicious email claiming to be from {impersonated}', 'Clicked a link in a phishing email', 'Is this email genuine?'],
    bodies: [
      'I received an email that says it is from {impersonated} asking me to "review a shared document". The sender address looks odd. I have not clicked anything.',
      'I clicked a link in an email that looked like a {impersonated} login page and entered my password before I realised. Sorry!',
      "I got an email from {impersonated} asking me to confirm my details. Is it genuine? I haven't replied."
    ],
    resolutions: [
      'Hi {first}, thanks for reporting it — this was phishing. We have purged the message from all mailboxes and blocked the sender. Nothing else for you to do.',
      'Hi {first}, we reset your password, revoked all sessions and checked your sign-in logs: no unusual access. Thank you for reporting it so quickly.',
      "Hi {first}, good instinct — it was phishing. We've blocked the sender and removed the message from everyone's inbox. Next time use Report → Phishing in Outlook."
    ],
    notes: ['Message purged from 37 mailboxes via Defender. Sender domain blocked.', 'Sign-in logs reviewed: no successful sign-in from unusual locations.']
  },
  {
    key: 'malware', customerWait: false, cat: 'malware', type: 'incident', weight: 2, prio: [0, 2, 4, 1], tags: ['malware', 'security'], asset: 'laptop',
    subjects: ['Antivirus alert on laptop {laptop}', 'Pop-ups and strange browser extension'],
    bodies: ['Defender showed a red "Threat found" alert on my laptop ({laptop}) after I opened a download.', 'My browser keeps opening ad pages and there is an extension I did not install.'],
    resolutions: ['Hi {first}, Defender quarantined the file and a full scan came back clean. We removed the browser extension and reset {browser}.'],
    notes: ['Isolated device in Defender while investigating. No lateral movement seen.']
  },
  {
    key: 'onboarding', customerWait: false, cat: 'people', type: 'service_request', weight: 5, prio: [2, 6, 1, 0], kb: 'first-day-it-checklist', tags: ['onboarding', 'new-starter'],
    subjects: ['New starter: {newHire} – {newHireTitle}, starting {startDate}', 'Onboarding: IT setup for {newHire}'],
    bodies: [
      '{newHire} joins {dept} as {newHireTitle} on {startDate} at {site}. Please set up:\n\n- Account and email\n- Laptop and dock\n- Access to {app} and the {share} drive\n- Teams and the {dept} distribution list\n\nManager: {name}.'
    ],
    resolutions: ['Hi {first}, everything is ready for {newHire}: account created, laptop built and tested, {app} access granted. The laptop and welcome pack will be at the IT bar on {startDate} at 9:00.'],
    notes: ['Account created, licence assigned. Laptop build scheduled with Field Services.']
  },
  {
    key: 'offboarding', customerWait: false, cat: 'people', type: 'service_request', weight: 3, prio: [3, 5, 1, 0], kb: 'runbook-leaver-offboarding', tags: ['offboarding', 'leaver'],
    subjects: ['Leaver: {leaver} – last day {startDate}', 'Offboarding for {leaver}'],
    bodies: ['{leaver} from {dept} leaves on {startDate}. Please disable access at 17:00 that day, forward their email to me for 30 days and collect their laptop and phone.'],
    resolutions: ['Hi {first}, {leaver} has been offboarded: account disabled, mailbox converted to shared with you as delegate for 30 days, laptop and phone collected and wiped.']
  },
  {
    key: 'mobile_phone', cat: 'mobile', type: 'service_request', weight: 4, prio: [4, 4, 1, 0], tags: ['mobile'], wait: 'parts', waitChance: 0.3,
    subjects: ['Set up company email on my new {phoneModel}', 'Company phone screen broken', 'Request a company mobile phone'],
    bodies: [
      'I have a new {phoneModel} and need Outlook and Teams set up on it.',
      'The screen on my company phone is shattered and the touch screen barely works.',
      "I've started a role with a lot of travel — could I have a company mobile phone? My manager has approved."
    ],
    resolutions: [
      'Hi {first}, your phone is enrolled in Intune and Outlook and Teams are set up.',
      'Hi {first}, your replacement phone is ready for collection at the IT bar. Please bring the broken one with you.',
      'Hi {first}, your new {phoneModel} is ready at the IT bar, enrolled and with Outlook and Teams set up.'
    ]
  },
  {
    key: 'desk_phone', cat: 'telephony', type: 'incident', weight: 2, prio: [3, 4, 1, 0], tags: ['telephony'],
    subjects: ["Desk phone shows 'No service'", 'Calls to my extension go straight to voicemail'],
    bodies: ['My desk phone at {site} shows "No service" since {when}. Extension {ext}.', 'Calls to my extension {ext} go straight to voicemail without ringing.'],
    vars: { ext: ['2104', '2231', '3310', '4420', '5128'] },
    resolutions: [
      'Hi {first}, the phone had lost its PoE port configuration after switch maintenance. It is registered again.',
      'Hi {first}, call forwarding to voicemail had been switched on for your extension. I turned it off and test calls ring through.'
    ]
  },
  {
    key: 'howto', cat: 'howto', type: 'question', weight: 7, prio: [9, 1, 0, 0], tags: ['how-to'], fcr: true, sources: { ai: 20, portal: 30, email: 25, phone: 15, web: 10 },
    subjects: ['How do I share a large file with an external client?', 'How do I set an out-of-office reply?', 'How can I book a meeting room with a screen?', 'How do I use the AI assistant in the portal?'],
    bodies: ['Quick question: {subject}', 'Hi, {subject} Thanks!'],
    resolutions: [
      'Hi {first}, have a look at the linked knowledge base article — it walks through it step by step. Shout if anything is unclear.',
      'Hi {first}, I showed you how to do it on the call; the article linked here has the same steps for next time.'
    ]
  },
  {
    key: 'monitoring', cat: 'servers', type: 'incident', weight: 3, prio: [0, 3, 4, 1], tags: ['monitoring', 'server'], staffOnly: true, sources: { api: 1 },
    subjects: ['[Monitoring] Disk space low on {server}', '[Monitoring] {server} not responding to ping', '[Monitoring] Backup job failed on {server}', '[Monitoring] Certificate expiring on {server}'],
    bodies: [
      'Alert raised by monitoring.\n\nHost: {server}\nCheck: disk_free_pct < 10 on D:\nState: CRITICAL\nDuration: {minutes} min',
      'Alert raised by monitoring.\n\nHost: {server}\nCheck: icmp_ping\nState: CRITICAL\nDuration: {minutes} min',
      'Alert raised by monitoring.\n\nHost: {server}\nCheck: veeam_job_status\nState: CRITICAL (job failed twice)',
      'Alert raised by monitoring.\n\nHost: {server}\nCheck: tls_cert_days_left < 14\nState: WARNING (11 days left)'
    ],
    resolutions: [
      'Resolved: cleaned up old log files and extended the volume; check back to OK.',
      'Resolved: the VM had hung after a snapshot; restarted from vCenter, ping and services OK.',
      'Resolved: the backup agent was stuck; restarted it and re-ran the job successfully.',
      'Resolved: certificate renewed and deployed; check back to OK.'
    ],
    notes: ['Alert acknowledged, looking now.']
  }
];

const PROBLEMS: { subject: string; description: string; cat: CatKey; team: TeamKey; incidentTemplate: string; resolution: string; notes: string[]; priority: Priority; resolve: boolean }[] = [
  {
    subject: 'Recurring Outlook crashes caused by the CRM add-in',
    description: 'Several incidents this month with Outlook crashing at start-up. Event logs point to the CRM add-in (faulting module crmaddin.dll). Investigate with the vendor and find a permanent fix.',
    cat: 'outlook', team: 'apps', incidentTemplate: 'outlook_crash',
    resolution: 'Root cause: CRM add-in version 4.2 crashes with the latest Outlook build. Vendor released 4.2.3; deployed to all laptops via Intune. No new crashes for 10 days.',
    notes: ['Vendor confirmed a known issue with Outlook build 2408, fix due in the next release.', 'Workaround: disable the add-in via policy for affected users.'],
    priority: 'high', resolve: true
  },
  {
    subject: 'VPN disconnects for home users after GlobalProtect 6.1 update',
    description: 'Since the client update to 6.1, remote users report VPN sessions dropping every few minutes. Looks linked to MTU on some home routers. Track incidents and agree a fix.',
    cat: 'vpn', team: 'network', incidentTemplate: 'vpn_connect',
    resolution: 'Root cause: DTLS fragmentation with the 6.1 client. Gateway MTU lowered and client upgraded to 6.2. Disconnect rate back to baseline.',
    notes: ['Packet captures show fragmented DTLS packets dropped by consumer routers.', 'Change raised to upgrade gateways and clients.'],
    priority: 'medium', resolve: true
  },
  {
    subject: 'Printers on London floor 2 repeatedly drop off the network',
    description: 'MFPs on London floor 2 go offline several times a week. Suspect DHCP lease or switch port power saving.',
    cat: 'printers', team: 'field', incidentTemplate: 'printer_issue',
    resolution: '',
    notes: ['Switch logs show EEE power saving toggling on the printer ports.', 'Waiting for the printer vendor to confirm the firmware that fixes the issue.'],
    priority: 'medium', resolve: false
  }
];

// ─── Knowledge base ────────────────────────────────────────────────────────────────────────────
const KB_CATEGORIES: { slug: string; name: string; description: string; icon: string; audience: 'public' | 'internal' }[] = [
  { slug: 'getting-started', name: 'Getting started', description: 'How to get help from IT and what to expect', icon: 'rocket-launch', audience: 'public' },
  { slug: 'accounts-and-passwords', name: 'Accounts & passwords', description: 'Passwords, account lockouts and multi-factor authentication', icon: 'key', audience: 'public' },
  { slug: 'network-and-remote-access', name: 'Network & remote access', description: 'VPN, Wi-Fi and working from home', icon: 'wifi', audience: 'public' },
  { slug: 'email-and-calendar', name: 'Email & calendar', description: 'Outlook, shared mailboxes and calendars', icon: 'envelope', audience: 'public' },
  { slug: 'files-and-collaboration', name: 'Files & collaboration', description: 'OneDrive, SharePoint and Teams', icon: 'folder', audience: 'public' },
  { slug: 'hardware-and-printing', name: 'Hardware & printing', description: 'Laptops, monitors, docks and printers', icon: 'printer', audience: 'public' },
  { slug: 'software', name: 'Software', description: 'Installing software and requesting licences', icon: 'squares-2x2', audience: 'public' },
  { slug: 'security', name: 'Security', description: 'Phishing, lost devices and staying safe', icon: 'shield-check', audience: 'public' },
  { slug: 'agent-runbooks', name: 'Agent runbooks', description: 'Step-by-step procedures for the IT team', icon: 'wrench-screwdriver', audience: 'internal' },
  { slug: 'service-desk-process', name: 'Service desk process', description: 'Triage, priorities and major incidents', icon: 'clipboard-document-list', audience: 'internal' }
];

interface KbSeed {
  slug: string;
  title: string;
  cat: string;
  audience: 'public' | 'internal';
  status: 'published' | 'draft' | 'review';
  team: TeamKey;
  tags: string[];
  summary: string;
  body: string;
  versions?: number;
  aiGenerated?: boolean;
  fromTemplate?: string;
}

const KB: KbSeed[] = [
  {
    slug: 'how-to-get-help-from-it', title: 'How to get help from IT', cat: 'getting-started', audience: 'public', status: 'published', team: 'desk', tags: ['service-desk', 'support'], versions: 3,
    summary: 'The fastest ways to reach the service desk, what to include in a request and how we prioritise.',
    body: `# How to get help from IT

The service desk is open **Monday to Friday, 09:00–17:00 (UK time)**. Outside those hours, urgent problems that stop a whole team from working are picked up by the on-call engineer.

## Ways to contact us

| Channel | Best for |
| --- | --- |
| **Self-service portal** | Anything non-urgent; you can follow progress and reply online |
| **Email** servicedesk@ | When you are away from your laptop; your email becomes a ticket |
| **Phone** ext. 4357 (HELP) | Urgent problems, or when you cannot sign in at all |
| **AI assistant** in the portal | Quick how-to questions, 24/7 |

## What to include

1. What you were trying to do, and what happened instead.
2. The exact error message (a screenshot is perfect).
3. When it started and whether colleagues are affected.
4. Your asset tag (the sticker on your laptop, e.g. LAP-00123).

## How we prioritise

- **Critical** – a whole site or business-critical system is down. Response within 30 minutes.
- **High** – you cannot work and there is no workaround. Response within 1 hour.
- **Medium** – something is broken but you can keep working. Response within 4 business hours.
- **Low** – requests and questions. Response within 1 business day.

> Tip: reply to the ticket email rather than starting a new one — it keeps the whole story in one place.`
  },
  {
    slug: 'first-day-it-checklist', title: 'Your first day: IT checklist for new starters', cat: 'getting-started', audience: 'public', status: 'published', team: 'field', tags: ['onboarding', 'new-starter'],
    summary: 'Everything to set up on day one: sign-in, MFA, Outlook, Teams, printing and where to find help.',
    body: `# Your first day: IT checklist

Welcome! Your laptop and account are ready when you arrive. Collect your laptop from the **IT bar** (London HQ, ground floor) or your site coordinator.

## 1. Sign in
- Connect to **OUTPOST-CORP** Wi-Fi (or plug into the dock).
- Sign in with your email address and the temporary password your manager received.
- Choose a new passphrase — see *Choosing a strong passphrase*.

## 2. Set up multi-factor authentication
Install **Microsoft Authenticator** on your phone and follow *Set up multi-factor authentication*. You cannot reach email from outside the office without it.

## 3. Apps
- Outlook, Teams and OneDrive sign in automatically.
- Anything else: open **Company Portal** from the Start menu.

## 4. Printing
Printers near you are added automatically. If not, see *Add an office printer to your laptop*.

## 5. Before you leave today
- [ ] Authenticator works on your phone
- [ ] You can open Outlook and Teams
- [ ] Your OneDrive shows a green tick
- [ ] You know how to reach the service desk (portal, ext. 4357)`
  },
  {
    slug: 'reset-your-password', title: 'Reset your password with self-service', cat: 'accounts-and-passwords', audience: 'public', status: 'published', team: 'desk', tags: ['password', 'account', 'self-service'], versions: 2,
    summary: 'Forgot your password or locked out? Reset it yourself in two minutes, day or night.',
    body: `# Reset your password with self-service

You can reset your own password at any time, without calling the service desk.

## Before you start
You need **one** of the following registered: Microsoft Authenticator, your mobile number, or a personal email address. If you have none of these, call the service desk (ext. 4357) and we will verify your identity.

## Steps
1. Go to **passwordreset.microsoftonline.com** (or click *Can't access your account?* on the sign-in page).
2. Enter your work email address and the characters in the picture.
3. Approve the verification on your phone or enter the code you receive.
4. Choose a new passphrase — at least 14 characters. Three random words work well.
5. **On your laptop:** lock it (Windows key + L) and sign in with the new password while connected to the office network or VPN.

## After resetting
- Update the password on your **phone** (Outlook, Teams, Wi-Fi) when prompted. Old passwords saved on phones are the number-one cause of repeated lockouts.
- It can take up to 15 minutes for the new password to reach every system.

## Still locked out?
Accounts unlock automatically after 15 minutes. If you are locked out again straight away, something is still using the old password — contact us and we will find it.`
  },
  {
    slug: 'unlock-your-account', title: 'Account locked? What to do', cat: 'accounts-and-passwords', audience: 'public', status: 'published', team: 'desk', tags: ['password', 'account', 'lockout'],
    summary: 'Why accounts get locked, how long it lasts and how to stop it happening again.',
    body: `# Account locked? What to do

After **5 wrong passwords** your account is locked for **15 minutes**. This protects you against someone guessing your password.

## Quick fix
- Wait 15 minutes and try again carefully (check Caps Lock and keyboard layout).
- Or reset your password yourself: see *Reset your password with self-service*.

## Locked again and again?
Something is still trying your old password. Common culprits:

1. **Your phone** – Outlook, the native Mail app or Teams with a saved password.
2. **A second device** – an old laptop or tablet still signed in.
3. **Mapped drives** saved with credentials in Windows Credential Manager.
4. **Wi-Fi** on your phone for OUTPOST-CORP with the old password.

Update or remove the password on each device. If you cannot find the source, raise a ticket — we can see which device is causing the lockouts.`
  },
  {
    slug: 'set-up-mfa', title: 'Set up multi-factor authentication (Microsoft Authenticator)', cat: 'accounts-and-passwords', audience: 'public', status: 'published', team: 'security', tags: ['mfa', 'security', 'mobile'],
    summary: 'Register Microsoft Authenticator so you can sign in securely from anywhere.',
    body: `# Set up multi-factor authentication

Multi-factor authentication (MFA) means a stolen password alone is not enough to get into your account.

## What you need
- Your laptop, signed in
- Your phone (work or personal) with **Microsoft Authenticator** installed from the App Store or Google Play

## Steps
1. On your laptop, open **aka.ms/mysecurityinfo**.
2. Click **Add sign-in method → Authenticator app → Next**.
3. On your phone, open Authenticator, tap **+ → Work or school account → Scan a QR code**.
4. Scan the QR code shown on your laptop.
5. Approve the test notification on your phone.
6. Optionally add your **phone number** as a backup method.

## Good to know
- Approve only sign-ins **you** started. An unexpected prompt means someone knows your password: deny it and change your password.
- Number matching: type the number shown on your laptop into the app.
- Getting a new phone? See *Move Authenticator to a new phone* **before** you wipe the old one.`
  },
  {
    slug: 'move-mfa-to-new-phone', title: 'Move Authenticator to a new phone', cat: 'accounts-and-passwords', audience: 'public', status: 'published', team: 'desk', tags: ['mfa', 'mobile'],
    summary: 'Keep access to your account when you change phones.',
    body: `# Move Authenticator to a new phone

Do this **while you still have your old phone**.

## Steps
1. Install **Microsoft Authenticator** on the new phone.
2. On your laptop go to **aka.ms/mysecurityinfo**.
3. Click **Add sign-in method → Authenticator app** and scan the QR code with the **new** phone.
4. Approve the test notification on the new phone.
5. Set the new phone as the **default sign-in method** (*Change* next to "Default sign-in method").
6. Delete the old phone's entry from the list.
7. Now you can wipe the old phone.

## Old phone lost, broken or already wiped?
Call the service desk on ext. 4357. After verifying your identity we will issue a **Temporary Access Pass** so you can register the new phone.`
  },
  {
    slug: 'password-guidelines', title: 'Choosing a strong passphrase', cat: 'accounts-and-passwords', audience: 'public', status: 'published', team: 'security', tags: ['password', 'security'],
    summary: 'Long and memorable beats short and complicated. Our password rules explained.',
    body: `# Choosing a strong passphrase

## Our rules
- At least **14 characters**.
- Not found in lists of breached passwords.
- Not the same as your last 5 passwords.
- Expires every 365 days (you get reminders 14, 5 and 1 days before).

## How to make a good one
Pick **three or four random words** and join them: *copper-lantern-orbit-tulip*. It is long, easy to type and hard to guess.

## Avoid
- Your name, team, company, season or year (*Summer2025!*).
- Re-using your work password anywhere else.
- Writing it on a sticky note on your monitor.

## Password manager
Use the company password manager (in Company Portal) for all other work accounts.`
  },
  {
    slug: 'connect-to-the-vpn', title: 'Connect to the VPN (GlobalProtect)', cat: 'network-and-remote-access', audience: 'public', status: 'published', team: 'network', tags: ['vpn', 'remote'], versions: 2,
    summary: 'How to connect to the company network from home or while travelling.',
    body: `# Connect to the VPN (GlobalProtect)

The VPN gives you access to shared drives and internal apps from outside the office. Microsoft 365 (Outlook, Teams, OneDrive) works **without** the VPN.

## Connect
1. Click the **GlobalProtect** globe icon in the system tray (bottom right, you may need to click ^).
2. Portal: **vpn.outpost.example** (already filled in on company laptops).
3. Click **Connect**. Single sign-on uses your Windows login; approve the MFA prompt.
4. The globe shows a shield when you are connected.

## Disconnect
Click the icon → **Disconnect** when you no longer need internal resources — it makes video calls smoother.

## Tips
- Connect **after** you have joined Wi-Fi, not before.
- Hotel and airport Wi-Fi: open a browser first and accept the terms page.
- If the status stays on *Connecting…*, see *VPN won't connect: troubleshooting*.`
  },
  {
    slug: 'vpn-troubleshooting', title: "VPN won't connect: troubleshooting", cat: 'network-and-remote-access', audience: 'public', status: 'published', team: 'network', tags: ['vpn', 'remote', 'troubleshooting'],
    summary: 'Work through these checks before raising a ticket — most VPN problems are fixed in five minutes.',
    body: `# VPN won't connect: troubleshooting

## 1. Check your internet
Open any website. If nothing loads, the problem is your connection, not the VPN. Restart your router or try your phone's hotspot.

## 2. Refresh the connection
Click the GlobalProtect icon → ☰ (menu) → **Refresh Connection**.

## 3. Restart GlobalProtect
Menu → **Disable**, wait 10 seconds, **Enable**. Still stuck? Restart the laptop.

## 4. Check the error
| Message | What to do |
| --- | --- |
| *Gateway not responding* | Try a different network (hotspot). Some public Wi-Fi blocks VPNs. |
| *Authentication failed* | Your password may have changed recently — lock and unlock Windows with the new password first. |
| *Certificate error* | Your device certificate has expired. Raise a ticket; we can renew it remotely. |
| *Portal address could not be resolved* | Check the portal is **vpn.outpost.example**. |

## 5. Still not working?
Raise a ticket with a **screenshot** of the GlobalProtect window, the network you are on and the time it failed. If you cannot work at all, call ext. 4357.`
  },
  {
    slug: 'connect-to-office-wifi', title: 'Connect to office Wi-Fi (OUTPOST-CORP and Guest)', cat: 'network-and-remote-access', audience: 'public', status: 'published', team: 'network', tags: ['wifi'],
    summary: 'Which network to use, how to connect personal devices and how to get guest access for visitors.',
    body: `# Connect to office Wi-Fi

## Networks
- **OUTPOST-CORP** – company laptops and enrolled phones. Connects automatically with a certificate; no password.
- **OUTPOST-GUEST** – visitors and personal devices. Internet only.

## Company laptop does not connect?
1. Forget OUTPOST-CORP in Wi-Fi settings.
2. Restart the laptop while plugged into a dock (wired) so it can refresh its certificate.
3. It should reconnect automatically. If not, raise a ticket with your asset tag.

## Guest access for visitors
Raise a *Guest Wi-Fi* request at least one working day ahead with the date and number of visitors. You'll receive voucher codes to hand out.

## Poor signal?
Tell us the **floor and nearest room or desk number** — we use it to find the access point involved.`
  },
  {
    slug: 'working-from-home-network-tips', title: 'Improve your home network for calls and VPN', cat: 'network-and-remote-access', audience: 'public', status: 'published', team: 'network', tags: ['remote', 'performance', 'vpn'],
    summary: 'Simple changes that make Teams calls and VPN noticeably smoother at home.',
    body: `# Improve your home network

1. **Use a cable** where you can. Wired beats Wi-Fi for video calls every time.
2. **Move closer to the router**, or use a mesh system. Walls and floors weaken the signal.
3. **Prefer 5 GHz** networks (often named *…-5G*) – faster and less crowded.
4. **Disconnect the VPN** when you only need Outlook, Teams and OneDrive – they work better without it.
5. **Pause big downloads** (game updates, cloud backups) during important calls.
6. **Restart your router** once a week.

## Test your speed
Run a test at speedtest.net. For comfortable video calls you need at least **10 Mbps down / 3 Mbps up** and a ping under 50 ms.`
  },
  {
    slug: 'outlook-wont-start', title: "Outlook won't start or keeps crashing", cat: 'email-and-calendar', audience: 'public', status: 'published', team: 'apps', tags: ['outlook', 'email', 'troubleshooting'], versions: 2,
    summary: 'Fix Outlook hanging on "Loading profile", crashing at start-up or freezing.',
    body: `# Outlook won't start or keeps crashing

Your email is safe in the cloud — you can always use **outlook.office.com** in a browser while you fix the app.

## 1. Restart properly
Close Outlook, then check Task Manager (Ctrl+Shift+Esc) that no *Outlook* process is left. End it and start Outlook again.

## 2. Start in safe mode
Hold **Ctrl** while clicking the Outlook icon and confirm safe mode. If it works in safe mode, an **add-in** is the problem:
1. File → Options → Add-ins → Manage *COM Add-ins* → Go.
2. Untick all add-ins, restart Outlook, then re-enable them one by one.

## 3. Repair Office
Settings → Apps → Microsoft 365 → Modify → **Quick Repair**.

## 4. New profile
Control Panel → Mail → Show Profiles → Add. Set it as the default. Outlook downloads your mail again, which can take a while.

## Search not finding recent emails?
File → Options → Search → Indexing Options → Advanced → **Rebuild**. Let it run for an hour.

Still stuck? Raise a ticket and mention which of these steps you tried.`
  },
  {
    slug: 'set-up-out-of-office', title: 'Set up an automatic out-of-office reply', cat: 'email-and-calendar', audience: 'public', status: 'published', team: 'desk', tags: ['outlook', 'how-to'],
    summary: 'Let people know you are away, in Outlook, on the web or on your phone.',
    body: `# Set up an automatic out-of-office reply

## Outlook on Windows
1. **File → Automatic Replies**.
2. Choose **Send automatic replies** and tick *Only send during this time range*.
3. Write one message for people inside the company and one for people outside.
4. Click **OK**.

## Outlook on the web
Settings (gear) → **Mail → Automatic replies** → turn on, set the dates, write your message → **Save**.

## Outlook mobile
Tap your profile picture → gear → your account → **Automatic replies**.

## A good message
> Thank you for your email. I am out of the office until Monday 3 March with limited access to email. For urgent matters please contact *name* at *email*.`
  },
  {
    slug: 'share-your-calendar', title: 'Share your calendar or give delegate access', cat: 'email-and-calendar', audience: 'public', status: 'published', team: 'apps', tags: ['outlook', 'calendar', 'how-to'],
    summary: 'Let colleagues see your availability, or let an assistant manage your calendar.',
    body: `# Share your calendar or give delegate access

## Share (view only or edit)
1. In Outlook, go to the **Calendar** view.
2. Right-click your calendar → **Sharing Permissions**.
3. Click **Add**, choose the person and pick a level:
   - *Can view when I'm busy*
   - *Can view titles and locations*
   - *Can view all details*
   - *Can edit*

## Delegate (assistants)
Delegates can accept meeting invitations on your behalf.
1. **File → Account Settings → Delegate Access → Add**.
2. Set **Calendar** to *Editor*.
3. Choose whether the delegate receives copies of meeting requests.

Private appointments stay hidden unless you tick *Delegate can see my private items*.`
  },
  {
    slug: 'access-a-shared-mailbox', title: 'Open a shared mailbox in Outlook', cat: 'email-and-calendar', audience: 'public', status: 'published', team: 'apps', tags: ['outlook', 'shared-mailbox', 'email'],
    summary: 'Find a shared mailbox you have been given access to and send email from it.',
    body: `# Open a shared mailbox in Outlook

Once access is granted, the mailbox usually appears in Outlook's folder list **within an hour** — restart Outlook if it does not.

## Add it manually
1. **File → Account Settings → Account Settings**, double-click your account.
2. **More Settings → Advanced → Add**, type the mailbox name.
3. Click OK and restart Outlook.

## Send from the shared mailbox
1. New email → **From** (if you cannot see it: Options → Show From).
2. Choose **Other email address** and type the shared mailbox address.

Sent items go to the shared mailbox's *Sent Items* folder so the whole team can see them.

## Need access?
Raise an *Access request* naming the mailbox; its owner approves it.`
  },
  {
    slug: 'mailbox-full', title: 'Mailbox full: archive and clean up', cat: 'email-and-calendar', audience: 'public', status: 'published', team: 'apps', tags: ['outlook', 'mailbox', 'email'],
    summary: 'Free up space quickly and set up the online archive so it does not happen again.',
    body: `# Mailbox full: archive and clean up

Mailboxes hold **50 GB**; your online archive holds up to **1.5 TB** more.

## Free up space now
1. Empty **Deleted Items** and **Junk Email**.
2. Search for large emails: in the search box type *size:>10MB*.
3. Save big attachments to OneDrive and delete the email.
4. Check **Sent Items** – it is often the biggest folder.

## Use the online archive
Your *Online Archive* appears under your mailbox in Outlook. Emails older than 2 years move there automatically once archiving is enabled — ask the service desk to switch it on. You can still search archived email.

## How full am I?
File → **Mailbox Settings** shows a bar with your usage.`
  },
  {
    slug: 'onedrive-sync-issues', title: 'Fix OneDrive sync problems', cat: 'files-and-collaboration', audience: 'public', status: 'published', team: 'apps', tags: ['onedrive', 'sharepoint', 'troubleshooting'],
    summary: 'Red crosses, "sync pending" or missing files? Work through these steps.',
    body: `# Fix OneDrive sync problems

## Check the icon
Click the **cloud** in the system tray. It tells you what is wrong: signed out, paused, or specific files with errors.

## Common fixes
1. **Resume syncing** if it is paused.
2. **File names**: remove characters like \`" * : < > ? / \\ |\` and keep paths under 400 characters.
3. **Files open elsewhere**: close the file in other apps, then retry.
4. **Free disk space**: turn on *Files On-Demand* (Settings → Sync and back up → Advanced).
5. **Restart OneDrive**: right-click the cloud → Quit, then start OneDrive from the Start menu.

## Reset OneDrive (last resort)
Press Windows + R and run \`%localappdata%\\Microsoft\\OneDrive\\onedrive.exe /reset\`. Your files are safe in the cloud; syncing starts again from scratch.`
  },
  {
    slug: 'restore-deleted-files', title: 'Restore deleted files from OneDrive or SharePoint', cat: 'files-and-collaboration', audience: 'public', status: 'published', team: 'apps', tags: ['onedrive', 'sharepoint', 'restore'],
    summary: 'Deleted something by mistake? You can usually get it back yourself within 93 days.',
    body: `# Restore deleted files

## OneDrive
1. Go to **onedrive.com** and sign in.
2. Click **Recycle bin** on the left.
3. Select the files or folders and click **Restore**.

Not there? Scroll to the bottom and click **Second-stage recycle bin**.

## SharePoint / Teams files
Open the site (in Teams: Files → Open in SharePoint) → **Recycle bin** (left menu or Site contents).

## Restore an older version
Right-click the file → **Version history** → *Restore* next to the version you want.

## Restore a whole library to an earlier time
OneDrive settings → **Restore your OneDrive** lets you roll everything back to a date in the last 30 days — useful after ransomware or a mass deletion.

Deleted more than 93 days ago? Raise a ticket; backups may still have it.`
  },
  {
    slug: 'share-files-externally', title: 'Share large files with people outside the company', cat: 'files-and-collaboration', audience: 'public', status: 'published', team: 'apps', tags: ['onedrive', 'sharing', 'how-to'],
    summary: 'Send big files securely with OneDrive links instead of email attachments.',
    body: `# Share large files externally

Email attachments are limited to **25 MB**. Share a OneDrive link instead.

## Steps
1. Save the file to **OneDrive** (or a Teams/SharePoint site).
2. Right-click → **Share**.
3. Click the settings cog and choose **Specific people**.
4. Enter the recipient's email address. Untick *Allow editing* if they only need to read it.
5. Optionally set an **expiration date**.
6. Click **Send**.

The recipient gets a link and a one-time code by email.

## Don't
- Use personal Dropbox, WeTransfer or Gmail for company data.
- Choose *Anyone with the link* for confidential files.`
  },
  {
    slug: 'teams-audio-video', title: 'Teams meetings: fix audio and camera problems', cat: 'files-and-collaboration', audience: 'public', status: 'published', team: 'apps', tags: ['teams', 'audio-video', 'troubleshooting'],
    summary: 'Cannot hear, cannot be heard or no camera in Teams? Check these settings.',
    body: `# Teams meetings: fix audio and camera problems

## Before the meeting
Teams → ⋯ → **Settings → Devices** → **Make a test call**. It records and plays back your voice and video.

## During a meeting
Click ⋯ → **Settings → Device settings** and check:
- **Speaker** and **Microphone** are your headset (not the dock or monitor).
- **Camera** is the one you expect.

## No camera found
1. Check for a physical privacy shutter or a camera key (F8/F10) on the keyboard.
2. Windows Settings → Privacy & security → **Camera** → allow desktop apps.
3. Close other apps that use the camera (Zoom, Camera app).

## Still broken?
Restart Teams completely (right-click the icon in the tray → Quit). Then raise a ticket with the time of the failed call.`
  },
  {
    slug: 'add-a-printer', title: 'Add an office printer to your laptop', cat: 'hardware-and-printing', audience: 'public', status: 'published', team: 'field', tags: ['printer', 'how-to'],
    summary: 'Add any office printer in a minute. Printer names show the site and floor.',
    body: `# Add an office printer

Printer names follow **SITE-FLOOR-TYPE**: *LON-2F-MFP01* is the multifunction printer on floor 2 in London.

## Windows
1. **Settings → Bluetooth & devices → Printers & scanners**.
2. Click **Add device** and wait for the list.
3. Choose the printer by name → **Add device**.

Not in the list? Click *Add manually* → *Select a shared printer by name* and type \`\\\\lon-print01\\LON-2F-MFP01\`.

## Mac
System Settings → **Printers & Scanners → Add Printer** → choose it from the list.

## Secure printing
Jobs wait at the printer until you **tap your badge**. Uncollected jobs are deleted after 24 hours.`
  },
  {
    slug: 'printer-troubleshooting', title: 'Printer offline or jobs stuck in the queue', cat: 'hardware-and-printing', audience: 'public', status: 'published', team: 'field', tags: ['printer', 'troubleshooting'],
    summary: 'Quick checks for offline printers, stuck jobs, jams and poor print quality.',
    body: `# Printer offline or jobs stuck

## Printer shows offline
1. Check the printer's display for errors (paper, toner, jam).
2. Ask a colleague whether they can print. If nobody can, raise a ticket with the printer name — it is a printer problem.
3. If only you cannot print, remove the printer and add it again (see *Add an office printer*).

## Job stuck in the queue
1. Settings → Printers & scanners → the printer → **Open print queue**.
2. Cancel your stuck job (⋯ → Cancel).
3. Print again.

## Paper jams
Follow the animation on the printer's display. Open only the doors it tells you to, pull paper **in the direction of the paper path** and never use tools. Jams that keep coming back usually mean a worn part — raise a ticket.

## Faded or blank pages
Check the toner level on the display, then print a cleaning page (Menu → Support tools). Replacement toner is in the stationery cupboard on each floor.`
  },
  {
    slug: 'scan-to-email', title: 'Scan to email from the multifunction printers', cat: 'hardware-and-printing', audience: 'public', status: 'published', team: 'field', tags: ['printer', 'scanning', 'how-to'],
    summary: 'Scan paper documents straight into your inbox as PDF.',
    body: `# Scan to email

1. Tap your badge on the printer.
2. Choose **Scan to Me** — it sends to your own email address.
3. Place documents face up in the feeder (or face down on the glass).
4. Optional: **Options** → *Colour*, *Double-sided*, *File type: PDF*.
5. Press **Start**.

The scan arrives within a minute from *scanner@*. Large colour scans are split into several emails.

## Nothing arrives?
- Check *Junk Email*.
- Very large scans (over 20 MB) are rejected — scan in black and white or fewer pages.
- If nobody's scans arrive, raise a ticket with the printer name.`
  },
  {
    slug: 'docking-station-monitors', title: 'Docking station and external monitors', cat: 'hardware-and-printing', audience: 'public', status: 'published', team: 'field', tags: ['monitor', 'docking-station'],
    summary: 'Get both monitors working with your dock, and fix flickering or black screens.',
    body: `# Docking station and external monitors

## Connect
Plug the **single USB-C/Thunderbolt cable** from the dock into your laptop (the port with the ⚡ or display symbol). Monitors, keyboard, network and power all come through it.

## Only one monitor works
1. Press **Windows + P** and choose *Extend*.
2. Settings → System → **Display** → *Detect*.
3. Unplug the dock's power for 30 seconds and reconnect (resets the dock).
4. Make sure the dock firmware is up to date: Company Portal → *Dock Firmware Update*.

## Flickering or going black
Usually a loose or faulty cable. Reseat both ends of the monitor cable; if it continues, swap the cable with a spare from the IT bar.

## Arrange your screens
Settings → Display → drag the numbered screens to match how they sit on your desk.`
  },
  {
    slug: 'laptop-battery-care', title: 'Make your laptop battery last longer', cat: 'hardware-and-printing', audience: 'public', status: 'published', team: 'field', tags: ['laptop', 'battery'],
    summary: 'Settings and habits that extend battery life, and when to ask for a replacement.',
    body: `# Make your laptop battery last longer

## Day to day
- Use **Battery saver** (Quick Settings) when below 30%.
- Lower screen brightness — the screen is the biggest power user.
- Close browser tabs and apps you are not using; Teams video is heavy.
- Disconnect the VPN when you do not need it.

## Long-term health
- Company laptops are set to stop charging at **80%** when mostly docked — this doubles battery lifespan.
- Avoid leaving the laptop in a hot car or on a soft surface that blocks the vents.

## When to ask for a replacement
Run \`powercfg /batteryreport\` in a command prompt and open the report. If **Full charge capacity** is below 60% of *Design capacity*, raise a ticket. A **swollen battery** (trackpad lifting, case bulging) is a safety issue: stop using the laptop and call us.`
  },
  {
    slug: 'request-new-hardware', title: 'Request new or replacement hardware', cat: 'hardware-and-printing', audience: 'public', status: 'published', team: 'field', tags: ['hardware-request', 'laptop', 'monitor'],
    summary: 'What you can order, how approval works and how long it takes.',
    body: `# Request new or replacement hardware

## Standard kit (no approval needed)
- Keyboard, mouse, headset, laptop charger, docking cable
- Replacement for anything broken or faulty

## Needs manager approval
- Second monitor, ergonomic equipment (attach your DSE assessment if you have one)
- Mobile phone
- A different or more powerful laptop

## How to request
Raise a *Service request* in the portal under **Hardware**. Say what you need and why; we ask your manager to approve where needed.

## How long does it take?
| Item | Typical time |
| --- | --- |
| Peripherals in stock | 1–2 working days |
| Monitors | 3–5 working days |
| Laptops (refresh or replacement) | 5–10 working days |

Laptops are refreshed every **4 years**. You'll hear from us when yours is due.`
  },
  {
    slug: 'install-software-company-portal', title: 'Install software from Company Portal', cat: 'software', audience: 'public', status: 'published', team: 'apps', tags: ['software', 'self-service'],
    summary: 'Install approved apps yourself, without admin rights or a ticket.',
    body: `# Install software from Company Portal

Over 150 approved apps are available to install yourself.

1. Open **Company Portal** from the Start menu.
2. Search for the app (e.g. *Notepad++*, *Zoom*, *Power BI Desktop*).
3. Click **Install**. You can keep working; a notification tells you when it's done.

## The app I need is not there
Raise a *Software installation* request with:
- the app name and version,
- what you need it for,
- whether it needs a licence (we check this for you).

New apps are security-reviewed and packaged, which usually takes **3–5 working days**.

## Why no admin rights?
Admin rights let malware install itself too. Company Portal gives you the apps without the risk.`
  },
  {
    slug: 'request-software-license', title: 'Request software that needs a licence', cat: 'software', audience: 'public', status: 'published', team: 'apps', tags: ['software', 'licence'],
    summary: 'How paid software is approved, charged and assigned.',
    body: `# Request software that needs a licence

Some software costs money per user (Adobe Acrobat Pro, Visio, Tableau, Microsoft Project …).

## Steps
1. Raise a *Licences* request naming the software.
2. Your **manager approves** the cost by replying to the ticket.
3. We assign a licence seat — usually the same day if we have spare seats.
4. Sign out of the application and back in to activate it.

## Leaving a role?
Tell us so we can reassign the seat. Licences unused for 90 days are reclaimed automatically; we email you first.`
  },
  {
    slug: 'report-phishing', title: 'Spot and report a phishing email', cat: 'security', audience: 'public', status: 'published', team: 'security', tags: ['phishing', 'security'], versions: 2,
    summary: 'The warning signs of phishing and what to do if you clicked.',
    body: `# Spot and report a phishing email

## Warning signs
- **Urgency or fear**: "your account will be closed today", "invoice overdue".
- **A sender address that does not match** the name (hover over it).
- **Links** that go somewhere unexpected (hover before you click).
- Requests for **passwords, MFA codes, gift cards or bank detail changes**.
- The banner **[EXTERNAL]** on an email that claims to come from a colleague.

## Report it
Click **Report → Phishing** in the Outlook ribbon. The email is removed from your inbox and sent to the security team. That's all — no need to forward it.

## Clicked a link or entered your password?
Don't be embarrassed — act fast:
1. **Change your password** straight away (see *Reset your password*).
2. **Call the service desk** on ext. 4357 and say you may have been phished.
3. If you opened an attachment, **disconnect from the network** (Wi-Fi off) and wait for us.

We will never ask for your password or an MFA code by email or phone.`
  },
  {
    slug: 'lost-or-stolen-device', title: 'Lost or stolen laptop or phone', cat: 'security', audience: 'public', status: 'published', team: 'security', tags: ['lost-device', 'security', 'mobile'],
    summary: 'What to do in the first hour after losing a company device.',
    body: `# Lost or stolen laptop or phone

Report it **immediately**, even out of hours — the sooner we know, the safer your data is.

## Steps
1. Call the service desk on ext. 4357 (or +44 20 7946 0357 from outside). Out of hours, follow the recording to reach on-call.
2. Tell us the **device type, asset tag if you know it**, and when and where you last had it.
3. We lock the device, revoke your sessions and, for phones, wipe company data.
4. If stolen, report it to the police and send us the crime reference number.

## What we do
- Laptops are encrypted with BitLocker; data cannot be read without your sign-in.
- We issue a replacement device and a **Temporary Access Pass** so you can set up MFA again.

Found it again? Tell us before you turn it on so we can unlock it.`
  },
  {
    slug: 'travel-with-your-laptop', title: 'Travelling abroad with company devices', cat: 'security', audience: 'public', status: 'published', team: 'security', tags: ['travel', 'security', 'remote'],
    summary: 'Tell us before you travel, and how to stay connected and safe abroad.',
    body: `# Travelling abroad with company devices

## Before you go
- Raise a request **5 working days** before travel, with the countries and dates. Sign-ins from unexpected countries are blocked otherwise.
- Some countries need a **loan laptop** instead of your own — we will tell you.
- Make sure Authenticator works and your phone has roaming enabled.

## While travelling
- Use the **VPN** on hotel and public Wi-Fi.
- Keep devices in your hand luggage, never in checked bags.
- Use a privacy screen on trains and planes.
- Never plug into public USB charging points; use your own plug.

## Back home
Let us know if anything unusual happened (device taken away at border control, lost briefly).`
  },
  {
    slug: 'runbook-identity-verification', title: 'Runbook: verifying identity before a password or MFA reset', cat: 'agent-runbooks', audience: 'internal', status: 'published', team: 'security', tags: ['runbook', 'password', 'mfa', 'security'], versions: 2,
    summary: 'Mandatory checks before resetting a password, MFA method or issuing a Temporary Access Pass.',
    body: `# Runbook: identity verification

Social engineering of the service desk is the most common route to account takeover. **Never skip these checks**, however senior or urgent the caller sounds.

## Acceptable verification (one of)
1. **Video call** with camera on, matching the photo in the directory.
2. **Callback** to the mobile number in Workday (not a number the caller gives you).
3. **Manager confirmation** in Teams from the manager listed in Workday.
4. **In person** at the IT bar with a badge.

## Then
- Record the method used in an **internal note** on the ticket.
- Password reset: set *must change at next sign-in*; deliver the temporary password to the verified channel.
- MFA reset / TAP: TAP valid for **1 hour**, single use.

## Red flags — escalate to Security
- Caller refuses video or callback.
- Request to change the **phone number** and reset MFA in the same call.
- VIP or finance user calling from an unknown number out of hours.`
  },
  {
    slug: 'runbook-new-starter-provisioning', title: 'Runbook: provisioning a new starter', cat: 'agent-runbooks', audience: 'internal', status: 'published', team: 'desk', tags: ['runbook', 'onboarding'],
    summary: 'Checklist from the HR notification to the laptop handover.',
    body: `# Runbook: provisioning a new starter

Start **5 working days** before the start date.

## Account
- [ ] Check the Workday record exists (name, manager, department, site, start date).
- [ ] Create the account with the *New starter* template; licence **M365 E3**.
- [ ] Add department groups and the distribution list.
- [ ] Request access to line-of-business apps listed on the ticket (one child task per app owner).

## Device
- [ ] Assign a laptop from stock in the CMDB (status *in stock* → *deployed*, assigned to the user).
- [ ] Autopilot pre-provision (white glove); confirm Company Portal apps are installed.
- [ ] Label check: asset tag matches the CMDB record.

## Day one
- [ ] Temporary password to the **manager** via Teams, never to the new starter's personal email.
- [ ] Walk through MFA setup at handover.
- [ ] Resolve the ticket with the handover time in the resolution note.`
  },
  {
    slug: 'runbook-leaver-offboarding', title: 'Runbook: offboarding a leaver', cat: 'agent-runbooks', audience: 'internal', status: 'published', team: 'desk', tags: ['runbook', 'offboarding'],
    summary: 'Disable access, preserve data and recover devices for a leaver.',
    body: `# Runbook: offboarding a leaver

## On the last day at 17:00 (or immediately for a dismissal)
1. Disable the account and **revoke sessions**.
2. Reset the password and remove MFA methods.
3. Remove from all groups except *Leavers – retention*.
4. Convert the mailbox to **shared**; grant the manager access for 30 days; set an auto-reply.
5. Transfer OneDrive ownership to the manager.

## Devices
- Collect laptop, phone, badge and accessories; update the CMDB (*in stock* or *retired*).
- Wipe the laptop (Autopilot reset) and phone (Intune full wipe).

## Licences
Reclaim M365 and any paid app licences (Adobe, Tableau, …).

## Close
Record what was done in an internal note, then resolve the ticket.`
  },
  {
    slug: 'runbook-print-queue-reset', title: 'Runbook: clearing a stuck print server queue', cat: 'agent-runbooks', audience: 'internal', status: 'published', team: 'field', tags: ['runbook', 'printer'],
    summary: 'Restart the spooler on lon-print01 safely when jobs stop moving.',
    body: `# Runbook: clearing a stuck print queue

Symptoms: several users report jobs stuck on *Printing* or *Error* for the same printer.

## Steps
1. RDP to **lon-print01** with your admin account.
2. Print Management → the printer → *Open Printer Queue*; note the job at the top (usually the culprit).
3. Try cancelling that job. If the queue moves, stop here.
4. Otherwise, in an elevated PowerShell:
   - \`Stop-Service Spooler\`
   - delete the files in \`C:\\Windows\\System32\\spool\\PRINTERS\`
   - \`Start-Service Spooler\`
5. Print a test page.
6. Tell affected users to resend their jobs.

Restarting the spooler cancels **all** queued jobs on the server — do it quickly and announce it in the Service Desk channel.`
  },
  {
    slug: 'runbook-vpn-gateway-checks', title: 'Runbook: VPN gateway health checks', cat: 'agent-runbooks', audience: 'internal', status: 'published', team: 'network', tags: ['runbook', 'vpn'],
    summary: 'Check the GlobalProtect gateways when several remote users report problems.',
    body: `# Runbook: VPN gateway health checks

Use when **3 or more** VPN tickets arrive within an hour.

1. Panorama → Monitor → **GlobalProtect** → gateway status: both gateways *up*?
2. Check current users vs licence (max 500). Near the limit? Shorten the idle timeout temporarily.
3. Check the **authentication** logs for a spike in failures (expired certificate or IdP issue).
4. Check the internet circuit utilisation in monitoring.
5. If one gateway is down, fail over by disabling it in the portal config so clients stop trying it.

Open a **major incident** if users cannot connect to either gateway. Post a service alert on the portal so people stop raising duplicate tickets.`
  },
  {
    slug: 'triage-and-priority-matrix', title: 'Triage guide: impact, urgency and priority', cat: 'service-desk-process', audience: 'internal', status: 'published', team: 'desk', tags: ['process', 'triage', 'sla'], versions: 2,
    summary: 'How to set impact and urgency consistently, and the SLA targets that follow.',
    body: `# Triage guide: impact, urgency and priority

## Impact – how many are affected?
- **High**: a site, a department or a business-critical system.
- **Medium**: a team or a few people.
- **Low**: one person.

## Urgency – how soon does it hurt?
- **High**: work has stopped, no workaround.
- **Medium**: work is slower; a workaround exists.
- **Low**: an inconvenience or a request.

## Priority matrix
| | Urgency high | Urgency medium | Urgency low |
| --- | --- | --- | --- |
| **Impact high** | Critical | High | Medium |
| **Impact medium** | High | Medium | Low |
| **Impact low** | Medium | Low | Low |

## SLA targets (business hours)
| Priority | First response | Resolution |
| --- | --- | --- |
| Critical | 30 min | 4 h |
| High | 1 h | 8 h |
| Medium | 4 h | 3 days |
| Low | 8 h | 5 days |

VIPs do not change priority, but tag the ticket *vip* so leads can keep an eye on it.`
  },
  {
    slug: 'major-incident-process', title: 'Major incident process', cat: 'service-desk-process', audience: 'internal', status: 'published', team: 'desk', tags: ['process', 'major-incident'],
    summary: 'Who does what when a critical service is down.',
    body: `# Major incident process

A **major incident** is a critical-priority incident affecting a site, a department or a business-critical service.

## Declare
Any agent can declare one. Set the ticket to **Critical**, tag it *major-incident*, and call the duty manager.

## Roles
- **Incident manager** (duty manager): coordinates, owns communication.
- **Technical lead**: from the resolving team; fixes the problem.
- **Service desk**: links duplicate tickets to the master ticket, answers callers.

## Communication
- Service alert on the portal within **15 minutes**.
- Updates every **30 minutes** until resolved, even if nothing changed.

## After
- Resolve duplicates with code *duplicate*.
- Raise a **problem** ticket for the root cause within 1 working day.
- Review meeting within 5 working days.`
  },
  {
    slug: 'mobile-email-android', title: 'Set up company email on Android', cat: 'email-and-calendar', audience: 'public', status: 'draft', team: 'apps', tags: ['mobile', 'email', 'android'],
    summary: 'Enrol your Android phone and add Outlook and Teams.',
    body: `# Set up company email on Android

> Draft — screenshots to follow.

1. Install **Intune Company Portal** from Google Play and sign in with your work account.
2. Follow the prompts to create a **work profile** (a separate, briefcase-marked area for work apps).
3. Open the Play Store inside the work profile and install **Outlook** and **Teams**.
4. Open Outlook; your account is detected automatically.

Personal apps and photos stay private — IT can only see and wipe the work profile.`
  },
  {
    slug: 'request-access-to-shared-drives', title: 'Request access to shared drives', cat: 'files-and-collaboration', audience: 'public', status: 'review', team: 'desk', tags: ['access-request', 'file-share'],
    summary: 'How access to shared drives is requested and approved by data owners.',
    body: `# Request access to shared drives

1. Raise an **Access request** in the portal.
2. Name the drive or folder (e.g. *Finance (F:)*) and whether you need **read** or **edit** access.
3. The data owner approves — we contact them for you.
4. Once added, restart your laptop (or sign out and in) so the drive appears.

Most requests are done within **1 working day** of approval.`
  },
  {
    slug: 'runbook-replace-access-point', title: 'Runbook: replacing a failed access point', cat: 'agent-runbooks', audience: 'internal', status: 'draft', team: 'network', tags: ['runbook', 'wifi'],
    summary: 'Swap a Meraki access point and keep its configuration.',
    body: `# Runbook: replacing a failed access point

1. Confirm the AP is down in the Meraki dashboard and note its **name and tags**.
2. Take a spare from the network cupboard; record its serial in the CMDB.
3. Dashboard → the failed AP → **Replace** → enter the new serial (configuration is copied).
4. Mount and connect to the same switch port (PoE+).
5. Wait for it to come online (~10 min) and check clients associate.
6. Update the CMDB: old AP *in repair* (RMA), new AP *deployed*, relationship *connected_to* the switch.`
  },
  {
    slug: 'outlook-crm-addin-crash', title: 'Outlook crashes at start-up: CRM add-in workaround', cat: 'email-and-calendar', audience: 'internal', status: 'review', team: 'apps', tags: ['outlook', 'add-in', 'known-error'], aiGenerated: true, fromTemplate: 'outlook_crash',
    summary: 'Known error: the CRM add-in crashes Outlook on the latest build. Workaround until the vendor fix is deployed.',
    body: `# Outlook crashes at start-up: CRM add-in workaround

*Drafted by the assistant from a resolved ticket — please review.*

## Symptoms
Outlook closes a few seconds after opening, or hangs on *Loading profile*. Event Viewer shows a faulting module **crmaddin.dll**.

## Workaround
1. Start Outlook in safe mode (hold Ctrl).
2. File → Options → Add-ins → COM Add-ins → untick **CRM for Outlook**.
3. Restart Outlook normally.

## Permanent fix
Add-in version **4.2.3** fixes the crash. Push it from Intune (*CRM for Outlook 4.2.3*) and re-enable the add-in.`
  }
];

// ─── Assets ────────────────────────────────────────────────────────────────────────────────────
interface Model {
  manufacturer: string;
  model: string;
  cost: number;
  serial: (r: Rng) => string;
  specs?: (r: Rng) => Record<string, unknown>;
  weight?: number;
}

const LAPTOPS: Model[] = [
  { manufacturer: 'Dell', model: 'Latitude 7440', cost: 1449, weight: 5, serial: (r) => r.alnum(7), specs: (r) => ({ cpu: 'Intel Core i7-1365U', ramGb: r.pick([16, 32]), storageGb: 512, os: 'Windows 11 Enterprise' }) },
  { manufacturer: 'Dell', model: 'Latitude 5540', cost: 1089, weight: 4, serial: (r) => r.alnum(7), specs: () => ({ cpu: 'Intel Core i5-1345U', ramGb: 16, storageGb: 256, os: 'Windows 11 Enterprise' }) },
  { manufacturer: 'Lenovo', model: 'ThinkPad T14 Gen 4', cost: 1299, weight: 4, serial: (r) => 'PF' + r.alnum(6), specs: () => ({ cpu: 'Intel Core i7-1355U', ramGb: 16, storageGb: 512, os: 'Windows 11 Enterprise' }) },
  { manufacturer: 'Lenovo', model: 'ThinkPad X1 Carbon Gen 11', cost: 1899, weight: 2, serial: (r) => 'PF' + r.alnum(6), specs: () => ({ cpu: 'Intel Core i7-1365U', ramGb: 32, storageGb: 1024, os: 'Windows 11 Enterprise' }) },
  { manufacturer: 'Apple', model: 'MacBook Pro 14" (M3 Pro)', cost: 2399, weight: 2, serial: (r) => r.alnum(10), specs: () => ({ cpu: 'Apple M3 Pro', ramGb: 18, storageGb: 512, os: 'macOS 14 Sonoma' }) },
  { manufacturer: 'Apple', model: 'MacBook Air 13" (M2)', cost: 1249, weight: 1, serial: (r) => r.alnum(10), specs: () => ({ cpu: 'Apple M2', ramGb: 16, storageGb: 512, os: 'macOS 14 Sonoma' }) },
  { manufacturer: 'HP', model: 'EliteBook 840 G10', cost: 1349, weight: 3, serial: (r) => '5CG' + r.alnum(7), specs: () => ({ cpu: 'Intel Core i7-1355U', ramGb: 16, storageGb: 512, os: 'Windows 11 Enterprise' }) }
];
const DESKTOPS: Model[] = [
  { manufacturer: 'Dell', model: 'OptiPlex 7010 SFF', cost: 879, serial: (r) => r.alnum(7), specs: () => ({ cpu: 'Intel Core i5-13500', ramGb: 16, storageGb: 512, os: 'Windows 11 Enterprise' }) },
  { manufacturer: 'HP', model: 'Elite Mini 800 G9', cost: 949, serial: (r) => '8CC' + r.alnum(7), specs: () => ({ cpu: 'Intel Core i7-12700T', ramGb: 32, storageGb: 512, os: 'Windows 11 Enterprise' }) }
];
const PHONES: Model[] = [
  { manufacturer: 'Apple', model: 'iPhone 15', cost: 799, serial: (r) => r.alnum(10), specs: (r) => ({ imei: '35' + r.alnum(13, '0123456789'), storageGb: 128 }) },
  { manufacturer: 'Apple', model: 'iPhone 14', cost: 699, serial: (r) => r.alnum(10), specs: (r) => ({ imei: '35' + r.alnum(13, '0123456789'), storageGb: 128 }) },
  { manufacturer: 'Samsung', model: 'Galaxy S23', cost: 749, serial: (r) => 'R5C' + r.alnum(8), specs: (r) => ({ imei: '35' + r.alnum(13, '0123456789'), storageGb: 256 }) },
  { manufacturer: 'Samsung', model: 'Galaxy A54', cost: 399, serial: (r) => 'R5C' + r.alnum(8), specs: (r) => ({ imei: '35' + r.alnum(13, '0123456789'), storageGb: 128 }) }
];
const MONITORS: Model[] = [
  { manufacturer: 'Dell', model: 'P2723DE 27" QHD USB-C', cost: 389, serial: (r) => 'CN-0' + r.alnum(5, '0123456789'), specs: () => ({ sizeIn: 27, resolution: '2560x1440' }) },
  { manufacturer: 'Dell', model: 'U2422H 24"', cost: 279, serial: (r) => 'CN-0' + r.alnum(5, '0123456789'), specs: () => ({ sizeIn: 24, resolution: '1920x1080' }) },
  { manufacturer: 'LG', model: '27UP850-W 27" 4K', cost: 449, serial: (r) => r.alnum(3, '0123456789') + 'NT' + r.alnum(6, '0123456789'), specs: () => ({ sizeIn: 27, resolution: '3840x2160' }) },
  { manufacturer: 'HP', model: 'E24 G5 24"', cost: 219, serial: (r) => 'CNK' + r.alnum(7), specs: () => ({ sizeIn: 24, resolution: '1920x1080' }) }
];

const LICENSES: { name: string; manufacturer: string; seats: number; cost: number; vendor: string }[] = [
  { name: 'Microsoft 365 E3', manufacturer: 'Microsoft', seats: 120, cost: 51840, vendor: 'Softcat' },
  { name: 'Adobe Acrobat Pro', manufacturer: 'Adobe', seats: 25, cost: 6000, vendor: 'Insight' },
  { name: 'Zoom Workplace Business', manufacturer: 'Zoom', seats: 40, cost: 9600, vendor: 'Zoom' },
  { name: 'Microsoft Visio Plan 2', manufacturer: 'Microsoft', seats: 10, cost: 1800, vendor: 'Softcat' },
  { name: 'JetBrains All Products Pack', manufacturer: 'JetBrains', seats: 8, cost: 5592, vendor: 'JetBrains' },
  { name: 'Tableau Creator', manufacturer: 'Salesforce', seats: 6, cost: 5400, vendor: 'Insight' }
];

const VENDORS = ['CDW', 'Insight', 'Softcat', 'Dell Direct', 'Computacenter'];

// ─── Change requests ───────────────────────────────────────────────────────────────────────────
interface ChangeSeed {
  title: string;
  description: string;
  justification: string;
  type: 'standard' | 'normal' | 'emergency';
  risk: Priority;
  impact: 'low' | 'medium' | 'high';
  status: 'draft' | 'submitted' | 'approved' | 'rejected' | 'scheduled' | 'implementing' | 'completed' | 'failed' | 'cancelled';
  category: string;
  team: TeamKey;
  /** Planned start, days relative to now. */
  startDays: number;
  durationHours: number;
  assets: string[];
  implementation: string;
  backout: string;
  test: string;
  closeNotes?: string;
  rejectComment?: string;
  /** The failed change that caused the Wi-Fi outage. */
  wifiCulprit?: boolean;
}

const CHANGES: ChangeSeed[] = [
  {
    title: 'Upgrade GlobalProtect gateways to PAN-OS 11.1 and client 6.2', type: 'normal', risk: 'high', impact: 'high', status: 'completed', category: 'Network', team: 'network', startDays: -52, durationHours: 3,
    description: 'Upgrade both VPN gateways (HA pair) to PAN-OS 11.1.4 and roll out GlobalProtect client 6.2 to fix the DTLS disconnect problem.',
    justification: 'Root cause fix for recurring VPN disconnects (problem ticket). Current version reaches end of support in 4 months.',
    assets: ['SW-LON-CORE01'], implementation: '1. Snapshot configs\n2. Upgrade passive gateway, fail over\n3. Upgrade second gateway\n4. Publish client 6.2 to 10% pilot, then all', backout: 'Fail back to the non-upgraded peer; downgrade image kept on both devices.', test: 'Pilot users connect from home broadband and 4G; 30-minute soak without drops.',
    closeNotes: 'Completed in the window. Disconnect rate down 85% after one week.'
  },
  {
    title: 'Monthly Windows and Office patching (Patch Tuesday)', type: 'standard', risk: 'low', impact: 'medium', status: 'completed', category: 'Workstations', team: 'apps', startDays: -12, durationHours: 72,
    description: 'Standard monthly deployment of Windows cumulative updates and Microsoft 365 Apps updates via Intune rings (pilot → broad).',
    justification: 'Security updates; pre-approved standard change.', assets: [],
    implementation: 'Ring 0 (IT) day 0, ring 1 (pilot) day 2, ring 2 (all) day 5.', backout: 'Pause the ring and uninstall the KB via Intune remediation.', test: 'Pilot feedback and Intune compliance report > 95%.',
    closeNotes: 'All rings complete, compliance 97%.'
  },
  {
    title: 'Upgrade Wi-Fi controller firmware to 30.6 at London HQ', type: 'normal', risk: 'medium', impact: 'high', status: 'failed', category: 'Network', team: 'network', startDays: -21, durationHours: 2, wifiCulprit: true,
    description: 'Upgrade the access point firmware for the London HQ network to 30.6 to fix roaming issues on floors 2–3.',
    justification: 'Vendor fix for sticky-client roaming; requested after repeated Wi-Fi drop tickets.', assets: ['AP-LON-01', 'AP-LON-02', 'AP-LON-03'],
    implementation: 'Schedule upgrade 18:00, APs reboot in groups of 4.', backout: 'Roll back to 29.7 from the dashboard.', test: 'Walk test floors 1–4 and check client association counts.',
    closeNotes: 'Failed: APs on 30.6 rejected clients using the corporate certificate profile next morning. Rolled back at 10:15. Vendor case open; will re-plan after the fix.'
  },
  {
    title: 'Migrate Finance file share (F:) to SharePoint Online', type: 'normal', risk: 'medium', impact: 'medium', status: 'implementing', category: 'Collaboration', team: 'apps', startDays: -1, durationHours: 48,
    description: 'Move the Finance departmental share from lon-fs01 to a SharePoint site with the same permissions; map the library in OneDrive for users.',
    justification: 'lon-fs01 is due for retirement; remote users get faster access without VPN.', assets: ['SRV-LON-FS01'],
    implementation: '1. Pre-stage copy with the migration tool\n2. Set share read-only Friday 18:00\n3. Delta sync\n4. Publish library shortcut to Finance users', backout: 'Remove read-only flag from the share; users continue on F:.', test: 'Finance champions open, edit and save 10 sample workbooks incl. linked ones.'
  },
  {
    title: 'Enforce conditional access: block legacy authentication', type: 'normal', risk: 'medium', impact: 'medium', status: 'submitted', category: 'Security', team: 'security', startDays: 6, durationHours: 1,
    description: 'Turn the report-only conditional access policy that blocks legacy authentication protocols (IMAP, POP, basic SMTP auth) to enforced.',
    justification: 'Legacy auth bypasses MFA; 98% of password-spray attempts use it. Report-only mode shows 3 remaining service accounts, now fixed.', assets: [],
    implementation: 'Switch policy to On; monitor sign-in logs for 2 hours.', backout: 'Set policy back to report-only.', test: 'Check the three remediated service accounts still send mail.'
  },
  {
    title: 'Replace core switch stack at London HQ', type: 'normal', risk: 'high', impact: 'high', status: 'scheduled', category: 'Network', team: 'network', startDays: 9, durationHours: 6,
    description: 'Replace the end-of-life core switch stack (SW-LON-CORE01) with a new Catalyst 9300 stack during a Saturday maintenance window.',
    justification: 'Current stack is end of support; a PSU failed last quarter.', assets: ['SW-LON-CORE01', 'SRV-LON-VMH01', 'SRV-LON-VMH02'],
    implementation: 'Pre-stage config, migrate uplinks one at a time, move server links last.', backout: 'Re-patch to the old stack (left racked and powered).', test: 'Ping sweep of all VLANs, VPN connect, print test, file share access from each floor.'
  },
  {
    title: 'Emergency: block sender domain used in invoice phishing campaign', type: 'emergency', risk: 'low', impact: 'low', status: 'completed', category: 'Security', team: 'security', startDays: -34, durationHours: 1,
    description: 'Add a tenant-wide block for the look-alike domain used in an active invoice phishing campaign and purge delivered messages.',
    justification: 'Active campaign, 37 mailboxes received the message, 2 users clicked.', assets: [],
    implementation: 'Tenant allow/block list entry, Defender purge.', backout: 'Remove the block entry.', test: 'Message trace shows subsequent messages blocked.',
    closeNotes: 'Blocked and purged within 40 minutes of the first report.'
  },
  {
    title: 'Firmware update for Manchester access points', type: 'normal', risk: 'low', impact: 'low', status: 'approved', category: 'Network', team: 'network', startDays: 4, durationHours: 1,
    description: 'Apply firmware 29.7.1 to the Manchester office access points (same version as London after the rollback).',
    justification: 'Align firmware across sites; fixes a memory leak seen on AP-MAN-02.', assets: ['AP-MAN-01', 'AP-MAN-02'],
    implementation: 'Scheduled upgrade at 18:30, APs reboot one at a time.', backout: 'Roll back from the dashboard.', test: 'Client association counts back to baseline next morning.'
  },
  {
    title: 'Upgrade Salesforce integration middleware', type: 'normal', risk: 'high', impact: 'medium', status: 'rejected', category: 'Applications', team: 'apps', startDays: -8, durationHours: 4,
    description: 'Upgrade the middleware that syncs Salesforce opportunities to the finance system to v5.',
    justification: 'New version supports the API version required from next quarter.', assets: ['SRV-LON-VMH01'],
    implementation: 'Deploy v5 alongside v4, switch the scheduler, disable v4.', backout: 'Re-enable the v4 scheduler.', test: 'Sync 20 test opportunities end to end.',
    rejectComment: 'Rejected: falls inside the quarter-end change freeze. Please resubmit for the first week of next quarter with the test results from staging.'
  },
  {
    title: 'Decommission legacy print server lon-print01', type: 'normal', risk: 'medium', impact: 'medium', status: 'draft', category: 'Printing', team: 'field', startDays: 20, durationHours: 3,
    description: 'Move all printer queues to cloud print and retire lon-print01.',
    justification: 'Removes a Windows Server 2016 host; cloud print already piloted in Berlin.', assets: ['SRV-LON-PRINT01'],
    implementation: 'TBC', backout: 'TBC', test: 'TBC'
  },
  {
    title: 'Switch Berlin office to new ISP circuit', type: 'normal', risk: 'medium', impact: 'high', status: 'cancelled', category: 'Network', team: 'network', startDays: -15, durationHours: 4,
    description: 'Cut over the Berlin office internet from the current DSL line to the new 1 Gbps fibre circuit.',
    justification: 'Current line saturates during video calls.', assets: ['SW-BER-01'],
    implementation: 'Patch new router, move default route, update VPN peer.', backout: 'Move default route back to DSL.', test: 'Speed test, VPN, Teams call.',
    closeNotes: 'Cancelled: ISP delayed the fibre installation; will be re-raised when the circuit is delivered.'
  }
];

// ─── Conversation snippets ─────────────────────────────────────────────────────────────────────
const ACK: Record<TypeKey, string[]> = {
  incident: [
    'Hi {first}, thanks for reporting this. I have picked it up and am looking into it now.',
    "Hi {first}, I'm on this — I will update you shortly.",
    "Hi {first}, thanks — I'm checking our logs now and will get back to you within the hour.",
    'Hi {first}, thanks for raising this. I have taken ownership and will keep you posted here.'
  ],
  service_request: [
    "Hi {first}, thanks for your request — I've picked it up and will let you know once it's done.",
    'Hi {first}, request received. I am working on it and will update you here.',
    "Hi {first}, thanks — I'm on it and will confirm here when everything is set up."
  ],
  question: ['Hi {first}, good question — let me check and get back to you shortly.', "Hi {first}, thanks for asking. I'll put the steps together for you."],
  problem: ['Picked up. Collecting the related incidents and logs; will post findings here.']
};
type Ask = [question: string, answers: string[]];
const ASK_REQUEST: Ask[] = [
  ['Hi {first}, could you ask your manager to confirm this by replying here? Then I can go ahead.', ["My manager has confirmed — she's copied in.", 'Approved, see the reply from my manager below.']],
  ['Hi {first}, when would suit you for this — are you in the office this week?', ['I am in on Thursday and Friday.', 'Any time tomorrow morning works.']]
];
const ASK_QUESTION: Ask[] = [["Hi {first}, are you on a Windows laptop or a Mac? The steps differ a little.", ['Windows laptop.', "It's a MacBook."]]];
const ASK: Ask[] = [
  ['Hi {first}, thanks for the details. Could you send a screenshot of the error and let me know when it last worked?', ['Screenshot attached. It last worked on Friday.', 'Here you go. I think it stopped working after the update on Monday.']],
  ['Hi {first}, could you let me know a good time today for me to connect remotely and take a look?', ["I'm at my desk until 5pm — feel free to connect.", 'Happy for you to remote in any time this afternoon.']],
  ['Hi {first}, is this still happening after a restart? If so, please send me the exact error message.', ["I've restarted as suggested but it's still the same. Error message attached.", 'Yes, still happening after a restart. Screenshot attached.']]
];
const WAIT_TEXT: Record<Exclude<WaitReason, 'customer'>, string[]> = {
  parts: [
    "Hi {first}, I've ordered a replacement part — it should arrive in 2–3 working days. I'll let you know as soon as it's here.",
    'Hi {first}, the part has to come from the manufacturer. I have raised warranty case {caseRef} and will update you when the engineer is booked.'
  ],
  third_party: [
    'Hi {first}, this needs the vendor to fix something on their side. I have opened case {caseRef} with them and will chase daily.',
    "Hi {first}, I've escalated this to the supplier (ref {caseRef}) and am waiting for their response."
  ],
  change: ['Hi {first}, the fix needs a change to a shared system, scheduled for the next maintenance window. I will update you once it is done.'],
  scheduled: ["Hi {first}, thanks — this is scheduled. Everything is prepared in advance and I'll complete the last steps on {startDate}."]
};
const RESUME_NOTE: Record<Exclude<WaitReason, 'customer'>, string[]> = {
  parts: ['Replacement part arrived, booked in with the user.', 'Engineer visit confirmed for today.'],
  third_party: ['Vendor responded with a fix, applying it now.', 'Supplier confirmed the issue is resolved on their side; verifying.'],
  change: ['Change implemented, verifying with the user.'],
  scheduled: ['Picking this up again to complete the final steps.']
};
const CHASE = ['Any update on this? It is stopping me from working.', 'Hi, just chasing — is anyone looking at this?', 'Hello? This is getting urgent now, I have a deadline today.'];
const THANKS = ['That has fixed it, thank you!', 'Brilliant, all working now. Thanks for the quick help.', 'Thanks {agentFirst}, much appreciated.', 'Perfect, thank you.', 'Confirmed working this end. Thanks!'];
const REOPEN = ['Sorry, this has started happening again this morning.', 'It worked for a day but the problem is back.', 'Unfortunately the issue has returned.'];
const REOPEN_FIX = [
  'Hi {first}, sorry about that — the first fix did not stick. I have now replaced the faulty component. Let me know if you see it again.',
  'Hi {first}, apologies — I have now applied the permanent fix from the vendor rather than the workaround. It should stay fixed this time.',
  'Hi {first}, I rebuilt the configuration from scratch and updated drivers and firmware. Please let me know if it happens again.'
];
const REMINDER = ['Hi {first}, just checking in — could you send the details above when you have a moment? I will keep the ticket open for a few more days.'];
const NO_RESPONSE = ["Hi {first}, as we haven't heard back I'm resolving this ticket for now. Simply reply to reopen it if you still need help."];
const NOTES = [
  'Checked the device in Intune: compliant, last check-in {minutes} minutes ago.',
  'Called the user, no answer — left a voicemail.',
  'Similar ticket last week from the same team; may be related.',
  'Remote session with the user; reproduced the issue.',
  'Spoke to the user at their desk, gathering logs.'
];
const ESCALATE = [
  'Escalating to {teamName}: first-line checks done (restart, cache clear, sign out/in), still failing.',
  'Beyond first line — passing to {teamName}. User confirmed the issue on two devices.'
];
const SATISFACTION: Record<number, string[]> = {
  5: ['Quick and friendly, thanks!', 'Great help from {agentFirst}.', 'Sorted within the hour. Excellent.'],
  4: ['Good service, took a little while.', 'Fixed, thanks.'],
  3: ['Fixed in the end, but I had to chase.'],
  2: ['Took days to get a reply.'],
  1: ['Still not really fixed, I had to find a workaround myself.']
};
const DUPLICATE_ACK = "Hi {first}, thanks — we're aware of a Wi-Fi outage at London HQ and the network team is working on it. I've linked your ticket to the main incident, so you'll hear from us as soon as it's fixed.";
const DUPLICATE_RESOLVE = 'Hi {first}, Wi-Fi at London HQ is working again (the access point firmware from last night has been rolled back). If you still cannot connect, turn Wi-Fi off and on, then reply here.';

// ─── Loading ───────────────────────────────────────────────────────────────────────────────────
export async function loadDemoData(
  db: Kysely<DB & ServiceDeskTables>,
  opts: { adminId: string; now?: Date; random?: () => number }
): Promise<{ loaded: boolean; counts: Record<string, number>; agentPassword: string }> {
  const notLoaded = { loaded: false, counts: {}, agentPassword: DEMO_PASSWORD };
  const marker = () => db.selectFrom('system_settings').select('id').where('key', '=', LOADED_KEY);
  if (await marker().executeTakeFirst()) return notLoaded;
  // Hashed once (argon2 is deliberately slow) and shared by every demo account.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const now = opts.now ?? new Date();
  const rng = new Rng(opts.random ?? mulberry32(0x0d35eed));
  return db.transaction().execute(async (trx) => {
    // Two loads racing: the second waits here, then sees the marker.
    await sql`select pg_advisory_xact_lock(7201002)`.execute(trx);
    if (await trx.selectFrom('system_settings').select('id').where('key', '=', LOADED_KEY).executeTakeFirst()) return notLoaded;
    const counts = await new DemoSeeder(trx, rng, now, opts.adminId, passwordHash).run();
    return { loaded: true, counts, agentPassword: DEMO_PASSWORD };
  });
}

type TicketStatus = 'new' | 'in_progress' | 'waiting' | 'resolved' | 'closed';
type ResolutionCode = 'solved' | 'workaround' | 'not_reproducible' | 'duplicate' | 'cancelled' | 'no_response' | 'other';
type ActorType = 'user' | 'system' | 'requester' | 'api_key' | 'ai' | 'email';
type CommentSource = Source | 'system';

interface Ev {
  at: Date;
  seq: number;
  kind: 'assign' | 'team' | 'status' | 'comment';
  actor: Person | null;
  actorType: ActorType;
  assignee?: Person | null;
  team?: TeamKey;
  status?: TicketStatus;
  waitingReason?: WaitReason | null;
  reopen?: boolean;
  resolutionCode?: ResolutionCode;
  internal?: boolean;
  body?: string;
  authorType?: 'agent' | 'requester';
  isResolution?: boolean;
  timeSpent?: number | null;
  source?: CommentSource;
  /** Comments that may be dropped to keep a conversation at six or fewer (higher goes first). */
  optional?: number;
}

interface Plan {
  id: string;
  tpl: Template | null;
  tplKey: string;
  requester: Person;
  creator: Person | null;
  created: Date;
  subject: string;
  description: string;
  priority: Priority;
  typeKey: TypeKey;
  cat: CatKey;
  initialTeam: TeamKey;
  source: Source;
  tags: string[];
  ccEmails: string[];
  dueAt: Date | null;
  events: Ev[];
  satisfaction: { at: Date; rating: number; comment: string | null } | null;
  ctx: Ctx;
  printerTag?: string;
  dueDone?: Date;
}

interface Policy {
  id: string;
  conditions: Record<string, unknown>;
  targets: Record<string, { firstResponseMinutes?: number; resolutionMinutes?: number } | undefined>;
  pauses: boolean;
  cal: Calendar | null;
  /** What the SLA engine needs to replay the clock (src/lib/domain/sla). */
  calendarId: string | null;
  pauseStatuses: string[];
  warningPercent: number;
}

interface Materialized {
  plan: Plan;
  status: TicketStatus;
  assignee: Person | null;
  team: TeamKey;
  resolvedAt: Date | null;
  frDue: Date | null;
  resDue: Date | null;
  resBreachedAt: Date | null;
  number?: string;
  events: Ev[];
}

const FALLBACK_TARGETS: Record<Priority, { fr: number; res: number }> = {
  critical: { fr: 30, res: 240 },
  high: { fr: 60, res: 480 },
  medium: { fr: 240, res: 1440 },
  low: { fr: 480, res: 2400 }
};

class DemoSeeder {
  private readonly counts: Record<string, number> = {};
  private people: Person[] = [];
  private readonly teamIds = new Map<TeamKey, string>();
  private readonly teamName = new Map<TeamKey, string>();
  private readonly leads = new Map<TeamKey, Person>();
  private readonly catIds = new Map<CatKey, string>();
  private readonly catTeam = new Map<CatKey, TeamKey>();
  private typeIds = new Map<string, string>();
  private policies: Policy[] = [];
  private defaultCal: Calendar | null = null;
  private defaultCalId: string | null = null;
  private slaCalendars = new Map<string, SlaCalendar>();
  private readonly printers: { tag: string; id: string; name: string; site: string }[] = [];
  private readonly assetIdByTag = new Map<string, string>();
  private readonly kbIdBySlug = new Map<string, { id: string; status: string; title: string }>();
  private readonly changeIds: { id: string; seed: ChangeSeed; number?: string }[] = [];
  private readonly pendingApprovals: { approver: Person; changeIndex: number; at: Date }[] = [];
  private clusterMorning = new Date(0);
  private seq = 0;

  constructor(
    private readonly db: Db,
    private readonly rng: Rng,
    private readonly now: Date,
    private readonly adminId: string,
    private readonly passwordHash: string
  ) {}

  async run(): Promise<Record<string, number>> {
    await this.loadReferenceData();
    await this.seedTeamsAndPeople();
    await this.seedCategories();
    await this.seedAssets();
    this.clusterMorning = this.pickClusterMorning();
    await this.seedChanges();
    const tickets = await this.seedTickets();
    await this.seedKnowledgeBase(tickets);
    await this.seedTicketLinks(tickets);
    await this.seedNotifications(tickets);
    await this.db
      .insertInto('system_settings')
      .values({
        id: uuidv7(),
        key: LOADED_KEY,
        value: JSON.stringify(this.now.toISOString()),
        is_public: false,
        description: 'When the demo data set was loaded',
        created_by: this.adminId,
        updated_by: this.adminId
      })
      .execute();
    return this.counts;
  }

  private count(table: string, n: number) {
    this.counts[table] = (this.counts[table] ?? 0) + n;
  }

  private async insert<K extends keyof Tables & string>(table: K, rows: Row<K>[]) {
    if (!rows.length) return;
    await insertChunks(this.db, table, rows);
    this.count(table, rows.length);
  }

  private audit(at: Date) {
    return { created_at: at, updated_at: at, created_by: this.adminId, updated_by: this.adminId };
  }

  private biz(cal: Calendar | null, d: Date, minutes: number) {
    return addBusinessMinutes(cal, d, minutes);
  }

  // ── Reference data ──────────────────────────────────────────────────────────────────────────
  private async loadReferenceData() {
    const types = await this.db.selectFrom('ticket_types').select(['id', 'key']).where('deleted_at', 'is', null).execute();
    this.typeIds = new Map(types.map((t) => [t.key, t.id]));
    const cals = await this.db.selectFrom('business_calendars').select(['id', 'weekly_hours', 'holidays', 'is_default', 'time_zone']).where('deleted_at', 'is', null).execute();
    const calById = new Map(cals.map((c) => [c.id, parseCalendar(c.weekly_hours, c.holidays)]));
    const def = cals.find((c) => c.is_default);
    this.defaultCal = def ? (calById.get(def.id) ?? null) : null;
    this.defaultCalId = def?.id ?? null;
    this.slaCalendars = new Map(
      cals.map((c) => [c.id, compileCalendar({ timeZone: c.time_zone, weeklyHours: c.weekly_hours as SlaWeeklyHours, holidays: (c.holidays ?? []) as SlaHoliday[] })])
    );
    const pols = await this.db
      .selectFrom('sla_policies')
      .select(['id', 'conditions', 'targets', 'calendar_id', 'pause_statuses', 'warning_percent'])
      .where('active', '=', true)
      .where('deleted_at', 'is', null)
      .orderBy('position')
      .orderBy('created_at')
      .execute();
    this.policies = pols.map((p) => ({
      id: p.id,
      conditions: (p.conditions ?? {}) as Record<string, unknown>,
      targets: (p.targets ?? {}) as Policy['targets'],
      pauses: (p.pause_statuses ?? []).includes('waiting'),
      cal: p.calendar_id ? (calById.get(p.calendar_id) ?? this.defaultCal) : this.defaultCal,
      calendarId: p.calendar_id ?? this.defaultCalId,
      pauseStatuses: p.pause_statuses ?? [],
      warningPercent: p.warning_percent
    }));
  }

  private policyFor(priority: Priority, typeKey: TypeKey, team: TeamKey, cat: CatKey): Policy | null {
    const list = (v: unknown) => (Array.isArray(v) ? (v as unknown[]).map(String) : null);
    for (const p of this.policies) {
      const c = p.conditions;
      const pr = list(c.priority ?? c.priorities);
      if (pr && !pr.includes(priority)) continue;
      const tk = list(c.typeKeys);
      if (tk && !tk.includes(typeKey)) continue;
      const tm = list(c.teamIds);
      if (tm && !tm.includes(this.teamIds.get(team) ?? '')) continue;
      const ct = list(c.categoryIds);
      if (ct && !ct.includes(this.catIds.get(cat) ?? '')) continue;
      return p;
    }
    return null;
  }

  // ── Teams and people ────────────────────────────────────────────────────────────────────────
  private async seedTeamsAndPeople() {
    const { rng, now } = this;
    const roles = await this.db.selectFrom('roles').select(['id', 'key']).execute();
    const roleId = new Map(roles.map((r) => [r.key, r.id]));
    for (const k of ['agent', 'it_manager', 'end_user', 'requester']) if (!roleId.has(k)) throw new Error(`role ${k} is missing`);

    const existingTeams = await this.db.selectFrom('teams').select(['id', 'name', 'lead_id']).where('deleted_at', 'is', null).execute();
    const teamRows: Row<'teams'>[] = [];
    const teamsNeedingLead = new Set<TeamKey>();
    const teamCreated = addDays(now, -rng.range(700, 900));
    for (const t of TEAMS) {
      const found = existingTeams.find((e) => e.name.toLowerCase() === t.name.toLowerCase());
      const id = found?.id ?? uuidv7();
      this.teamIds.set(t.key, id);
      this.teamName.set(t.key, found?.name ?? t.name);
      if (!found || !found.lead_id) teamsNeedingLead.add(t.key);
      if (!found) teamRows.push({ id, name: t.name, description: t.description, email: `${t.email}@${EMAIL_DOMAIN}`, ...this.audit(teamCreated) });
    }
    await this.insert('teams', teamRows);

    const taken = new Set((await this.db.selectFrom('users').select(sql<string>`lower(email)`.as('e')).execute()).map((r) => r.e));
    const usedNames = new Set<string>();
    const uniqueEmail = (first: string, last: string) => {
      const base = emailLocal(first, last);
      let email = `${base}@${EMAIL_DOMAIN}`;
      for (let i = 2; taken.has(email); i++) email = `${base}${i}@${EMAIL_DOMAIN}`;
      taken.add(email);
      return email;
    };
    const person = (p: Omit<Person, 'id' | 'name' | 'email' | 'location' | 'phone'> & { floorless?: boolean }): Person => {
      usedNames.add(`${p.first} ${p.last}`);
      const site = siteByName(p.site);
      const location = site.floors ? `${site.name}, Floor ${rng.int(1, site.floors)}` : 'Remote';
      return { ...p, id: uuidv7(), name: `${p.first} ${p.last}`, email: uniqueEmail(p.first, p.last), location, phone: site.phone(rng) };
    };
    const randomName = () => {
      for (;;) {
        const first = rng.pick(FIRST_NAMES);
        const last = rng.pick(LAST_NAMES);
        if (!usedNames.has(`${first} ${last}`)) return { first, last };
      }
    };
    const randomSite = () => rng.weighted(SITES, SITES.map((s) => s.weight)).name;

    for (const s of STAFF) {
      this.people.push(
        person({
          first: s.first, last: s.last, role: s.role, department: 'IT', title: s.title, site: s.site, vip: false,
          activity: rng.range(0.7, 1.3), teamKeys: s.teams, available: s.available ?? true, status: 'active',
          createdAt: addDays(now, -rng.range(400, 1500))
        })
      );
    }
    for (const e of EXECUTIVES) {
      this.people.push(
        person({
          first: e.first, last: e.last, role: 'end_user', department: 'Executive', title: e.title, site: 'London HQ', vip: true,
          activity: 1.2, teamKeys: [], available: true, status: 'active', createdAt: addDays(now, -rng.range(600, 1500))
        })
      );
    }
    for (let i = EXECUTIVES.length; i < 60; i++) {
      const { first, last } = randomName();
      const dept = rng.weighted(DEPARTMENTS, DEPARTMENTS.map((d) => d.weight));
      const recent = i >= 54;
      this.people.push(
        person({
          first, last, role: 'end_user', department: dept.name, title: rng.pick(dept.titles), site: randomSite(), vip: false,
          activity: rng.range(0.2, 1.8) ** 1.6, teamKeys: [], available: true, status: 'active',
          createdAt: addDays(now, recent ? -rng.range(5, 80) : -rng.range(120, 1400))
        })
      );
    }
    // Two people who have since left: their older tickets stay.
    for (const p of rng.sample(this.people.filter((p) => p.role === 'end_user' && !p.vip && p.createdAt < addDays(now, -200)), 2)) p.status = 'inactive';
    for (let i = 0; i < 10; i++) {
      const { first, last } = randomName();
      const [dept, title] = REQUESTER_TITLES[i];
      this.people.push(
        person({
          first, last, role: 'requester', department: dept, title, site: rng.pick(['London HQ', 'London HQ', 'Manchester', 'Berlin']), vip: false,
          activity: rng.range(0.2, 0.7), teamKeys: [], available: true, status: 'active', createdAt: addDays(now, -rng.range(30, 400))
        })
      );
    }

    const users: Row<'users'>[] = this.people.map((p) => {
      const staff = p.role === 'agent' || p.role === 'it_manager';
      const hasPassword = p.role !== 'requester';
      const lastLogin =
        p.status === 'inactive' || p.role === 'requester' ? null : staff ? addMin(now, -rng.range(5, 60 * 48)) : rng.chance(0.8) ? addMin(now, -rng.range(30, 60 * 24 * 20)) : null;
      return {
        id: p.id,
        email: p.email,
        name: p.name,
        phone: p.phone,
        job_title: p.title,
        department: p.department,
        location: p.location,
        locale: siteByName(p.site).code === 'BER' && rng.chance(0.5) ? 'de' : 'en',
        time_zone: siteByName(p.site).tz,
        team_id: p.teamKeys.length ? this.teamIds.get(p.teamKeys[0])! : null,
        password_hash: hasPassword ? this.passwordHash : null,
        password_changed_at: hasPassword ? p.createdAt : null,
        status: p.status,
        auth_provider: p.role === 'requester' ? 'email' : 'local',
        email_verified_at: p.createdAt,
        last_login_at: lastLogin,
        available: p.available,
        ...this.audit(p.createdAt)
      };
    });
    await this.insert('users', users);
    await this.insert(
      'user_roles',
      this.people.map((p) => ({ user_id: p.id, role_id: roleId.get(p.role)!, created_at: p.createdAt, created_by: this.adminId }))
    );
    const members: Row<'team_members'>[] = [];
    for (const s of STAFF) {
      const p = this.people.find((x) => x.first === s.first && x.last === s.last)!;
      if (s.lead) this.leads.set(s.lead, p);
      for (const k of s.teams) members.push({ team_id: this.teamIds.get(k)!, user_id: p.id, is_lead: s.lead === k, created_at: p.createdAt, created_by: this.adminId });
    }
    const existingMembers = await this.db.selectFrom('team_members').select(['team_id', 'user_id']).execute();
    const seen = new Set(existingMembers.map((m) => `${m.team_id}/${m.user_id}`));
    await this.insert('team_members', members.filter((m) => !seen.has(`${m.team_id}/${m.user_id}`)));
    for (const key of teamsNeedingLead) {
      const lead = this.leads.get(key);
      if (lead) await this.db.updateTable('teams').set({ lead_id: lead.id, updated_by: this.adminId }).where('id', '=', this.teamIds.get(key)!).execute();
    }
  }

  private get agents() {
    return this.people.filter((p) => p.role === 'agent');
  }
  private get managers() {
    return this.people.filter((p) => p.role === 'it_manager');
  }
  private person(first: string) {
    return this.people.find((p) => p.first === first && (p.role === 'agent' || p.role === 'it_manager'))!;
  }
  private teamAgents(team: TeamKey) {
    return this.agents.filter((a) => a.teamKeys.includes(team));
  }

  private pickAssignee(team: TeamKey, created: Date): Person {
    const pool = this.teamAgents(team);
    const recent = created > addDays(this.now, -10);
    const weights = pool.map((a) => (recent && !a.available ? 0.05 : a.activity) * (this.leads.get(team) === a ? 0.6 : 1));
    return this.rng.weighted(pool, weights);
  }

  // ── Categories ──────────────────────────────────────────────────────────────────────────────
  private async seedCategories() {
    const existing = await this.db.selectFrom('ticket_categories').select(['id', 'parent_id', 'name']).where('deleted_at', 'is', null).execute();
    const find = (parent: string | null, name: string) => existing.find((c) => c.parent_id === parent && c.name.toLowerCase() === name.toLowerCase())?.id;
    const created = addDays(this.now, -this.rng.range(600, 800));
    const parents: Row<'ticket_categories'>[] = [];
    const children: Row<'ticket_categories'>[] = [];
    CATEGORY_TREE.forEach((top, i) => {
      const pid = find(null, top.name) ?? uuidv7();
      if (!find(null, top.name)) {
        parents.push({ id: pid, name: top.name, description: top.description, default_team_id: this.teamIds.get(top.team)!, position: (i + 1) * 10, ...this.audit(created) });
      }
      top.children.forEach((c, j) => {
        const team = c.team ?? top.team;
        this.catTeam.set(c.key, team);
        const id = find(pid, c.name) ?? uuidv7();
        this.catIds.set(c.key, id);
        if (!find(pid, c.name)) {
          children.push({ id, parent_id: pid, name: c.name, default_team_id: this.teamIds.get(team)!, portal_visible: c.portal ?? true, position: (j + 1) * 10, ...this.audit(created) });
        }
      });
    });
    await this.insert('ticket_categories', parents);
    await this.insert('ticket_categories', children);
  }

  // ── Assets ──────────────────────────────────────────────────────────────────────────────────
  private async seedAssets() {
    const { rng, now } = this;
    const takenTags = new Set((await this.db.selectFrom('assets').select(sql<string>`lower(asset_tag)`.as('t')).where('deleted_at', 'is', null).execute()).map((r) => r.t));
    const rows: Row<'assets'>[] = [];
    const rels: Row<'asset_relationships'>[] = [];
    const counters: Record<string, number> = {};
    const nextTag = (prefix: string) => {
      for (;;) {
        counters[prefix] = (counters[prefix] ?? 100) + rng.int(1, 6);
        const tag = `${prefix}-${String(counters[prefix]).padStart(5, '0')}`;
        if (!takenTags.has(tag.toLowerCase())) return (takenTags.add(tag.toLowerCase()), tag);
      }
    };
    const fixedTag = (tag: string) => {
      let t = tag;
      for (let i = 2; takenTags.has(t.toLowerCase()); i++) t = `${tag}-${i}`;
      takenTags.add(t.toLowerCase());
      return t;
    };
    const mac = () => Array.from({ length: 6 }, (_, i) => (i === 0 ? '3C' : rng.alnum(2, '0123456789ABCDEF'))).join(':');
    const fieldAgents = this.teamAgents('field');
    const rel = (source: string, target: string, kind: Row<'asset_relationships'>['kind'], notes: string | null = null) => {
      const s = this.assetIdByTag.get(source);
      const t = this.assetIdByTag.get(target);
      if (s && t && s !== t) rels.push({ id: uuidv7(), source_asset_id: s, target_asset_id: t, kind, notes, ...this.audit(addDays(now, -rng.range(10, 300))) });
    };
    const add = (
      tag: string,
      a: Omit<Row<'assets'>, 'id' | 'asset_tag' | 'created_at' | 'updated_at' | 'created_by' | 'updated_by'>,
      purchased: Date
    ): string => {
      const id = uuidv7();
      this.assetIdByTag.set(tag, id);
      const audited = a.type !== 'license' && rng.chance(0.4);
      rows.push({
        id,
        asset_tag: tag,
        ...a,
        last_audited_at: audited ? addDays(now, -rng.range(3, 180)) : null,
        last_audited_by: audited ? rng.pick(fieldAgents).id : null,
        ...this.audit(purchased),
        updated_at: maxDate(purchased, a.assigned_at ? at(new Date(a.assigned_at as Date).getTime()) : purchased)
      });
      return id;
    };
    const purchase = (minDays: number, maxDays: number) => {
      const d = addDays(now, -rng.range(minDays, maxDays));
      return at(utcMidnight(d.getTime()));
    };
    const hw = (m: Model, purchased: Date, years = 3) => ({
      manufacturer: m.manufacturer,
      model: m.model,
      serial_number: m.serial(rng),
      vendor: m.manufacturer === 'Apple' ? 'Apple Business' : rng.pick(VENDORS),
      order_number: `PO-${purchased.getUTCFullYear()}-${rng.int(1000, 9999)}`,
      purchase_date: isoDate(purchased),
      purchase_cost: (m.cost * rng.range(0.92, 1.05)).toFixed(2),
      currency: 'GBP',
      warranty_expires_on: isoDate(addDays(purchased, 365 * years)),
      end_of_life_on: isoDate(addDays(purchased, 365 * (years + 1))),
      specs: JSON.stringify(m.specs ? m.specs(rng) : {})
    });

    // Laptops: every member of IT staff, most employees; a few in stock, one in repair, two retired.
    const laptopHolders = this.people.filter((p) => p.role === 'agent' || p.role === 'it_manager' || (p.role === 'end_user' && (p.vip || rng.chance(0.62))));
    for (const p of laptopHolders) {
      const m = rng.weighted(LAPTOPS, LAPTOPS.map((x) => x.weight ?? 1));
      const purchased = purchase(40, 1400);
      const tag = nextTag('LAP');
      const site = siteByName(p.site);
      const assignedAt = maxDate(addDays(purchased, rng.range(2, 20)), p.createdAt);
      const inRepair = p.status === 'active' && rows.filter((r) => r.status === 'in_repair').length === 0 && p.role === 'end_user' && rng.chance(0.05);
      const id = add(
        tag,
        {
          name: `${p.first}'s ${m.model}`,
          type: 'hardware',
          category: 'Laptop',
          status: p.status === 'inactive' ? 'in_stock' : inRepair ? 'in_repair' : 'deployed',
          ...hw(m, purchased),
          site: site.name,
          location: p.status === 'inactive' ? 'London HQ, IT store room' : p.location,
          hostname: `${site.code}-${tag}`,
          mac_address: mac(),
          assigned_to_id: p.status === 'inactive' ? null : p.id,
          assigned_at: p.status === 'inactive' ? null : assignedAt,
          department: p.department,
          notes: inRepair ? `With the manufacturer for a screen replacement (case RMA-${rng.int(70000, 79999)}). Loan laptop issued.` : null
        },
        purchased
      );
      if (p.status !== 'inactive') p.laptop = { id, tag, model: m.model };
    }
    for (let i = 0; i < 4; i++) {
      const m = rng.pick(LAPTOPS.slice(0, 3));
      const purchased = purchase(10, 60);
      const tag = nextTag('LAP');
      add(tag, { name: `${m.model} (spare)`, type: 'hardware', category: 'Laptop', status: 'in_stock', ...hw(m, purchased), site: 'London HQ', location: 'London HQ, IT store room', hostname: `LON-${tag}`, mac_address: mac(), notes: 'Pre-provisioned with Autopilot, ready for a new starter.' }, purchased);
    }
    const holdersWithLaptop = laptopHolders.filter((p) => p.laptop);
    for (const p of rng.sample(holdersWithLaptop, 2)) {
      const m = rng.pick(LAPTOPS.slice(0, 3));
      const purchased = purchase(1700, 1900);
      const tag = nextTag('LAP');
      add(tag, { name: `${m.model} (retired)`, type: 'hardware', category: 'Laptop', status: 'retired', ...hw(m, purchased), site: 'London HQ', location: 'London HQ, IT store room', notes: `Replaced by ${p.laptop!.tag}; awaiting certified disposal.`, department: p.department }, purchased);
      rel(p.laptop!.tag, tag, 'replaces');
    }

    // Desktops for people without a laptop (reception, warehouse, finance back office).
    for (const p of this.people.filter((x) => x.role === 'end_user' && !x.laptop && x.status === 'active' && x.site !== 'Remote').slice(0, 6)) {
      const m = rng.pick(DESKTOPS);
      const purchased = purchase(200, 1500);
      const tag = nextTag('DSK');
      const site = siteByName(p.site);
      add(tag, { name: `${p.department} desktop – ${p.first}`, type: 'hardware', category: 'Desktop', status: 'deployed', ...hw(m, purchased), site: site.name, location: p.location, hostname: `${site.code}-${tag}`, mac_address: mac(), assigned_to_id: p.id, assigned_at: maxDate(purchased, p.createdAt), department: p.department }, purchased);
    }

    // Phones: executives, sales, on-call IT staff.
    const phoneHolders = [
      ...this.people.filter((p) => p.vip),
      ...rng.sample(this.people.filter((p) => p.department === 'Sales' && p.status === 'active'), 4),
      ...rng.sample(this.agents, 4)
    ];
    phoneHolders.forEach((p, i) => {
      const m = p.vip ? PHONES[0] : rng.pick(PHONES);
      const purchased = purchase(60, 900);
      const lost = i === phoneHolders.length - 2;
      add(nextTag('PHN'), { name: `${m.model} – ${p.name}`, type: 'hardware', category: 'Phone', status: lost ? 'lost' : 'deployed', ...hw(m, purchased, 2), site: p.site, location: p.location, assigned_to_id: p.id, assigned_at: maxDate(purchased, p.createdAt), department: p.department, notes: lost ? 'Reported lost; selective wipe issued via Intune.' : null }, purchased);
    });
    for (let i = 0; i < 2; i++) {
      const m = rng.pick(PHONES);
      const purchased = purchase(10, 90);
      add(nextTag('PHN'), { name: `${m.model} (spare)`, type: 'hardware', category: 'Phone', status: 'in_stock', ...hw(m, purchased, 2), site: 'London HQ', location: 'London HQ, IT store room' }, purchased);
    }

    // Monitors: some on people's desks (connected to their laptop), a few in stock.
    const monitorUsers = rng.sample(holdersWithLaptop.filter((p) => p.site !== 'Remote'), 11);
    monitorUsers.forEach((p, i) => {
      const m = rng.pick(MONITORS);
      const purchased = purchase(100, 1400);
      const tag = nextTag('MON');
      add(tag, { name: `${m.model} – ${p.location}`, type: 'peripheral', category: 'Monitor', status: 'deployed', ...hw(m, purchased), site: p.site, location: p.location, assigned_to_id: p.id, assigned_at: maxDate(purchased, p.createdAt), department: p.department }, purchased);
      if (i < 5) rel(tag, p.laptop!.tag, 'connected_to', 'Via USB-C dock');
    });
    for (let i = 0; i < 3; i++) {
      const m = rng.pick(MONITORS);
      const purchased = purchase(20, 200);
      add(nextTag('MON'), { name: `${m.model} (spare)`, type: 'peripheral', category: 'Monitor', status: 'in_stock', ...hw(m, purchased), site: 'London HQ', location: 'London HQ, IT store room' }, purchased);
    }

    // Network: core + access switches, access points, printers, servers.
    const netTeam = this.teamIds.get('network')!;
    const sw = (tag: string, site: string, model: string, ip: string, core = false) => {
      const purchased = purchase(500, 2000);
      const t = fixedTag(tag);
      add(t, {
        name: core ? `${site} core switch stack` : `${site} access switch`, type: 'network', category: 'Switch', status: 'deployed',
        manufacturer: 'Cisco', model, serial_number: 'FOC' + rng.alnum(8), vendor: 'Computacenter', order_number: `PO-${purchased.getUTCFullYear()}-${rng.int(1000, 9999)}`,
        purchase_date: isoDate(purchased), purchase_cost: (core ? 18500 : 4200).toFixed(2), currency: 'GBP', warranty_expires_on: isoDate(addDays(purchased, 365 * 5)), end_of_life_on: isoDate(addDays(purchased, 365 * 7)),
        site, location: `${site}, comms room`, hostname: t.toLowerCase(), ip_address: ip, mac_address: mac(), team_id: netTeam,
        specs: JSON.stringify({ ports: core ? 96 : 48, poe: true, firmware: '17.9.4a' })
      }, purchased);
      return t;
    };
    const core = sw('SW-LON-CORE01', 'London HQ', 'Catalyst 9300-48P (stack of 2)', '10.10.0.2', true);
    const switches: Record<string, string> = {
      'London HQ': sw('SW-LON-01', 'London HQ', 'Catalyst 9200L-48P-4G', '10.10.0.11'),
      Manchester: sw('SW-MAN-01', 'Manchester', 'Catalyst 9200L-24P-4G', '10.20.0.11'),
      Berlin: sw('SW-BER-01', 'Berlin', 'Catalyst 9200L-24P-4G', '10.30.0.11'),
      'New York': sw('SW-NYC-01', 'New York', 'Catalyst 9200L-24P-4G', '10.40.0.11')
    };
    rel(switches['London HQ'], core, 'connected_to', 'Uplink Te1/1/1');
    const aps: [string, string][] = [['AP-LON-01', 'London HQ'], ['AP-LON-02', 'London HQ'], ['AP-LON-03', 'London HQ'], ['AP-LON-04', 'London HQ'], ['AP-MAN-01', 'Manchester'], ['AP-MAN-02', 'Manchester'], ['AP-BER-01', 'Berlin']];
    aps.forEach(([tag, site], i) => {
      const purchased = purchase(300, 1200);
      const t = fixedTag(tag);
      const s = siteByName(site);
      add(t, {
        name: `${site} AP ${s.floors > 1 ? `floor ${(i % s.floors) + 1}` : String(i + 1)}`, type: 'network', category: 'Access point', status: 'deployed',
        manufacturer: 'Cisco Meraki', model: 'MR46', serial_number: 'Q3AB-' + rng.alnum(4) + '-' + rng.alnum(4), vendor: 'Computacenter', purchase_date: isoDate(purchased), purchase_cost: '899.00', currency: 'GBP',
        warranty_expires_on: isoDate(addDays(purchased, 365 * 5)), site, location: s.floors > 1 ? `${site}, Floor ${(i % s.floors) + 1}` : `${site}, office`, hostname: t.toLowerCase(),
        ip_address: `10.${(SITES.indexOf(s) + 1) * 10}.8.${20 + i}`, mac_address: mac(), team_id: netTeam, specs: JSON.stringify({ wifi: '802.11ax', firmware: '29.7.1' })
      }, purchased);
      rel(t, switches[site], 'connected_to', 'PoE+ port');
    });
    const printerSites: [string, string, number][] = [['London HQ', 'LON', 1], ['London HQ', 'LON', 2], ['London HQ', 'LON', 3], ['London HQ', 'LON', 4], ['Manchester', 'MAN', 1], ['Berlin', 'BER', 1], ['New York', 'NYC', 1]];
    const printerModels = [
      { manufacturer: 'HP', model: 'Color LaserJet Enterprise MFP M480f', cost: 1650 },
      { manufacturer: 'Canon', model: 'imageRUNNER ADVANCE DX C3826i', cost: 4200 },
      { manufacturer: 'Brother', model: 'MFC-L9670CDN', cost: 1450 }
    ];
    printerSites.forEach(([site, code, floor], i) => {
      const m = printerModels[i % printerModels.length];
      const purchased = purchase(300, 1800);
      const name = `${code}-${floor}F-MFP01`;
      const tag = fixedTag(`PRN-${code}-${floor}F01`);
      const id = add(tag, {
        name, type: 'hardware', category: 'Printer', status: 'deployed', manufacturer: m.manufacturer, model: m.model, serial_number: rng.alnum(10), vendor: 'Apogee',
        purchase_date: isoDate(purchased), purchase_cost: m.cost.toFixed(2), currency: 'GBP', warranty_expires_on: isoDate(addDays(purchased, 365 * 3)), site, location: `${site}, Floor ${floor}, print area`,
        hostname: name.toLowerCase(), ip_address: `10.${(SITES.findIndex((s) => s.name === site) + 1) * 10}.16.${10 + floor}`, mac_address: mac(), team_id: this.teamIds.get('field')!,
        specs: JSON.stringify({ colour: true, duplex: true, scanToEmail: true })
      }, purchased);
      this.printers.push({ tag, id, name, site });
      rel(tag, switches[site], 'connected_to');
    });
    const servers: [string, string, string, string, string][] = [
      ['SRV-LON-VMH01', 'lon-vmh01', 'Dell', 'PowerEdge R750', 'VMware ESXi 8.0'],
      ['SRV-LON-VMH02', 'lon-vmh02', 'Dell', 'PowerEdge R750', 'VMware ESXi 8.0'],
      ['SRV-LON-FS01', 'lon-fs01', 'VMware', 'Virtual machine', 'Windows Server 2019'],
      ['SRV-LON-PRINT01', 'lon-print01', 'VMware', 'Virtual machine', 'Windows Server 2016'],
      ['SRV-MAN-FS01', 'man-fs01', 'HPE', 'ProLiant DL380 Gen10', 'Windows Server 2019']
    ];
    servers.forEach(([tag, host, manufacturer, model, os], i) => {
      const purchased = purchase(600, 1800);
      const t = fixedTag(tag);
      const virtual = manufacturer === 'VMware';
      const site = host.startsWith('man') ? 'Manchester' : 'London HQ';
      add(t, {
        name: host, type: virtual ? 'other' : 'hardware', category: virtual ? 'Virtual machine' : 'Server', status: 'deployed', manufacturer, model,
        serial_number: virtual ? null : rng.alnum(7), vendor: virtual ? null : 'Computacenter', purchase_date: virtual ? null : isoDate(purchased),
        purchase_cost: virtual ? null : (manufacturer === 'Dell' ? 11800 : 7400).toFixed(2), currency: 'GBP', warranty_expires_on: virtual ? null : isoDate(addDays(purchased, 365 * 5)),
        site, location: `${site}, comms room`, hostname: host, ip_address: `10.${site === 'Manchester' ? 20 : 10}.1.${10 + i}`, team_id: netTeam,
        specs: JSON.stringify({ os, cpuCores: virtual ? 4 : 32, ramGb: virtual ? 16 : 512 })
      }, purchased);
    });
    rel('SRV-LON-FS01', 'SRV-LON-VMH01', 'runs_on');
    rel('SRV-LON-PRINT01', 'SRV-LON-VMH02', 'runs_on');
    rel('SRV-LON-VMH01', core, 'connected_to', '2×25G LACP');
    rel('SRV-LON-VMH02', core, 'connected_to', '2×25G LACP');
    rel('SRV-LON-VMH02', 'SRV-LON-VMH01', 'backup_of', 'HA partner');
    rel('SRV-MAN-FS01', switches.Manchester, 'connected_to');

    // Licences, with a few seats tied to specific laptops.
    const appsTeam = this.teamIds.get('apps')!;
    for (const l of LICENSES) {
      const purchased = purchase(30, 330);
      const tag = nextTag('LIC');
      add(tag, {
        name: l.name, type: 'license', category: 'Software licence', status: 'deployed', manufacturer: l.manufacturer, vendor: l.vendor, order_number: `PO-${purchased.getUTCFullYear()}-${rng.int(1000, 9999)}`,
        purchase_date: isoDate(purchased), purchase_cost: l.cost.toFixed(2), currency: 'GBP', license_seats: l.seats, license_expires_on: isoDate(addDays(purchased, 365)), team_id: appsTeam,
        specs: JSON.stringify({ billing: 'annual', seatsInUse: Math.round(l.seats * rng.range(0.7, 0.98)) })
      }, purchased);
      if (l.name === 'Adobe Acrobat Pro' || l.name === 'Microsoft Visio Plan 2') {
        for (const p of rng.sample(holdersWithLaptop.filter((x) => x.role === 'end_user'), 3)) rel(tag, p.laptop!.tag, 'installed_on');
      }
    }
    await this.insert('assets', rows);
    await this.insert('asset_relationships', rels);
  }

  // ── Change requests ─────────────────────────────────────────────────────────────────────────
  /** The morning after the failed Wi-Fi change: a weekday about three weeks ago. */
  private pickClusterMorning(): Date {
    let day = utcMidnight(this.now.getTime()) - 20 * DAY;
    while ([0, 1, 6].includes(at(day).getUTCDay())) day -= DAY;
    return at(day + 8 * HOUR + 35 * MIN);
  }

  private async seedChanges() {
    const { rng, now } = this;
    const david = this.person('David');
    const rachel = this.person('Rachel');
    const changes: Row<'change_requests'>[] = [];
    const approvals: Row<'change_approvals'>[] = [];
    const links: Row<'change_request_assets'>[] = [];
    CHANGES.forEach((c, idx) => {
      const id = uuidv7();
      this.changeIds.push({ id, seed: c });
      let start = c.wifiCulprit ? at(this.clusterMorning.getTime() - 14 * HOUR - 35 * MIN) : at(utcMidnight(now.getTime()) + c.startDays * DAY + rng.pick([18, 19, 20]) * HOUR);
      if (!c.wifiCulprit && c.type === 'standard') start = at(utcMidnight(now.getTime()) + c.startDays * DAY + 10 * HOUR);
      const end = addMin(start, c.durationHours * 60);
      const lead = this.leads.get(c.team)!;
      const owner = rng.chance(0.6) ? lead : rng.pick(this.teamAgents(c.team));
      const requester = rng.chance(0.5) ? owner : rng.pick([lead, rachel, david]);
      // People write, submit and approve changes in office hours.
      const office = (d: Date, minutes: number) => addBusinessMinutes(this.defaultCal, d, minutes);
      const created =
        c.type === 'emergency' ? addMin(start, -rng.range(30, 60)) : minDate(office(at(utcMidnight(start.getTime()) - rng.int(6, 14) * DAY), rng.range(0, 480)), addDays(now, -rng.range(1, 3)));
      const submitted = c.status === 'draft' ? null : minDate(c.type === 'emergency' ? addMin(created, rng.range(2, 10)) : office(created, rng.range(30, 960)), addMin(now, -90));
      const required = c.type === 'standard' ? 0 : c.type === 'emergency' ? 1 : c.risk === 'high' || c.risk === 'critical' ? 2 : 1;
      const approvers = c.status === 'draft' ? [] : [david, rachel].slice(0, required);
      let approvedAt: Date | null = null;
      let decidedUpTo = submitted;
      approvers.forEach((a, i) => {
        const step = i + 1;
        let decision: 'pending' | 'approved' | 'rejected' = 'approved';
        if (c.status === 'submitted' && step === required) decision = 'pending';
        if (c.status === 'rejected') decision = step === 1 ? 'rejected' : 'pending';
        if (c.status === 'rejected' && step > 1) return;
        const latest = minDate(addMin(start, c.type === 'emergency' ? -1 : -30), addMin(now, -30));
        const decidedAt =
          decision === 'pending' ? null : maxDate(addMin(decidedUpTo!, 1), minDate(c.type === 'emergency' ? addMin(decidedUpTo!, rng.range(5, 20)) : office(decidedUpTo!, rng.range(60, 960)), latest));
        if (decidedAt) decidedUpTo = decidedAt;
        if (decision === 'pending') this.pendingApprovals.push({ approver: a, changeIndex: idx, at: decidedUpTo! });
        approvals.push({
          id: uuidv7(), change_request_id: id, approver_id: a.id, step, decision, decided_at: decidedAt,
          comment: decision === 'rejected' ? (c.rejectComment ?? 'Rejected.') : decision === 'approved' ? rng.pick(['Approved.', 'Approved — please post in the IT channel before starting.', 'OK from CAB, backout plan looks solid.', 'Approved for the proposed window.']) : null,
          ...this.audit(submitted!), updated_at: decidedAt ?? submitted!
        });
      });
      if (required > 0 && approvals.filter((a) => a.change_request_id === id).every((a) => a.decision === 'approved')) approvedAt = decidedUpTo;
      if (required === 0 && submitted) approvedAt = submitted;
      const started = ['implementing', 'completed', 'failed'].includes(c.status);
      const finished = c.status === 'completed' || c.status === 'failed';
      const actualStart = started ? minDate(addMin(start, rng.range(0, 15)), now) : null;
      const actualEnd = finished ? minDate(c.wifiCulprit ? addMin(this.clusterMorning, 100) : addMin(end, rng.range(-20, 30)), now) : null;
      const closedAt =
        finished ? minDate(office(actualEnd!, rng.range(30, 300)), now)
        : c.status === 'rejected' ? decidedUpTo
        : c.status === 'cancelled' ? minDate(maxDate(addMin(decidedUpTo ?? created, 60), addMin(start, -rng.range(60 * 24, 60 * 72))), now)
        : null;
      const updated = maxDate(created, submitted ?? created, decidedUpTo ?? created, actualStart ?? created, actualEnd ?? created, closedAt ?? created);
      changes.push({
        id, title: c.title, description: c.description, justification: c.justification, type: c.type, risk: c.risk,
        risk_score: { low: 20, medium: 45, high: 70, critical: 90 }[c.risk] + rng.int(-8, 8), impact: c.impact, status: c.status, category: c.category,
        requester_id: requester.id, owner_id: owner.id, team_id: this.teamIds.get(c.team)!, planned_start: start, planned_end: end, actual_start: actualStart, actual_end: actualEnd,
        implementation_plan: c.implementation, backout_plan: c.backout, test_plan: c.test, required_approvals: required, submitted_at: submitted,
        approved_at: ['approved', 'scheduled', 'implementing', 'completed', 'failed', 'cancelled'].includes(c.status) ? approvedAt : null,
        closed_at: closedAt, close_notes: c.closeNotes ?? (c.status === 'rejected' ? c.rejectComment ?? null : null),
        created_at: created, updated_at: updated, created_by: requester.id, updated_by: owner.id
      });
      for (const tag of c.assets) {
        const assetId = this.assetIdByTag.get(tag);
        if (assetId) links.push({ change_request_id: id, asset_id: assetId, ...this.audit(created), created_by: requester.id, updated_by: requester.id });
      }
    });
    const numbers = await this.db.insertInto('change_requests').values(changes).returning(['id', 'number']).execute();
    for (const c of this.changeIds) c.number = String(numbers.find((n) => n.id === c.id)!.number);
    this.count('change_requests', changes.length);
    await this.insert('change_approvals', approvals);
    await this.insert('change_request_assets', links);
  }

  // ── Tickets ─────────────────────────────────────────────────────────────────────────────────
  private randomCreated(): Date {
    const { rng, now } = this;
    for (let i = 0; i < 100; i++) {
      // Slightly more tickets recently (the desk is growing), none older than 90 days.
      const day = utcMidnight(now.getTime()) - Math.floor(90 * rng.float() ** 1.3) * DAY;
      const wd = at(day).getUTCDay();
      if ((wd === 0 || wd === 6) && !rng.chance(0.1)) continue;
      if (wd !== 1 && wd !== 0 && wd !== 6 && !rng.chance(0.8)) continue; // Mondays are busiest
      const hour = rng.weighted([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21], [2, 6, 12, 12, 10, 7, 9, 10, 9, 7, 4, 2, 1, 1, 1]);
      const t = day + hour * HOUR + rng.int(0, 3599) * 1000;
      if (t > now.getTime() - 5 * MIN || t < now.getTime() - 90 * DAY) continue;
      return at(t);
    }
    return addMin(now, -rng.range(60, 60 * 24 * 80));
  }

  private randomName(): string {
    return `${this.rng.pick(FIRST_NAMES)} ${this.rng.pick(LAST_NAMES)}`;
  }

  private makeCtx(requester: Person, created: Date, tpl: Template | null, assignee?: Person): Ctx {
    const { rng } = this;
    const ctx = new Ctx(rng, tpl?.vars ?? {});
    const siteName = requester.site === 'Remote' ? 'London HQ' : requester.site;
    const sitePrinters = this.printers.filter((p) => p.site === siteName);
    const printer = rng.pick(sitePrinters.length ? sitePrinters : this.printers);
    const floor = /Floor (\d+)/.exec(requester.location)?.[1] ?? '1';
    let start = at(utcMidnight(created.getTime()) + rng.int(4, 14) * DAY);
    while ([0, 6].includes(start.getUTCDay())) start = addDays(start, 1);
    const dept = DEPARTMENTS.find((d) => d.name === requester.department) ?? rng.pick(DEPARTMENTS);
    ctx
      .set('first', requester.first)
      .set('name', requester.name)
      .set('site', siteName)
      .set('dept', requester.department)
      .set('floor', floor)
      .set('laptop', requester.laptop?.tag ?? 'my laptop')
      .set('laptopModel', requester.laptop?.model ?? 'laptop')
      .set('printer', printer.name)
      .set('printerTag', printer.tag)
      .set('newHire', this.randomName())
      .set('newHireTitle', rng.pick(dept.titles))
      .set('leaver', this.randomName())
      .set('startDate', humanDate(start))
      .set('startIso', start.toISOString());
    if (assignee) ctx.set('agentFirst', assignee.first);
    return ctx;
  }

  private requesterFor(tpl: Template, created: Date): Person {
    const { rng, now } = this;
    if (tpl.staffOnly) return this.leads.get(this.catTeam.get(tpl.cat) ?? 'network')!;
    const needsLaptop = tpl.asset === 'laptop' || [...tpl.subjects, ...tpl.bodies].some((t) => t.includes('{laptop'));
    const pool = this.people.filter(
      (p) =>
        (p.role === 'end_user' || p.role === 'requester') &&
        p.createdAt < created &&
        (p.status === 'active' || created < addDays(now, -45)) &&
        (!needsLaptop || p.laptop) &&
        !(p.role === 'requester' && (tpl.key === 'onboarding' || tpl.key === 'offboarding'))
    );
    return rng.weighted(pool, pool.map((p) => p.activity));
  }

  private describe(source: Source, requester: Person, body: string): string {
    switch (source) {
      case 'email':
        return `Hi IT,\n\n${body}\n\nThanks,\n${requester.first}\n\n--\n${requester.name}\n${requester.title} | ${requester.department}\n${requester.phone}`;
      case 'phone':
        return `Phone call from ${requester.name} (${requester.phone}):\n\n> ${body.replace(/\n/g, '\n> ')}`;
      case 'ai':
        return `Created by the Outpost assistant after a chat with ${requester.first}; the suggested articles did not solve it.\n\n**In the user's words:**\n\n${body}`;
      default:
        return body;
    }
  }

  private newPlan(p: Omit<Plan, 'id' | 'events' | 'satisfaction' | 'ccEmails' | 'dueAt'> & { dueAt?: Date | null; ccEmails?: string[] }): Plan {
    return { id: uuidv7(), events: [], satisfaction: null, ccEmails: [], dueAt: null, ...p };
  }

  private targets(plan: Plan) {
    const pol = this.policyFor(plan.priority, plan.typeKey, plan.initialTeam, plan.cat);
    const tg = pol?.targets[plan.priority];
    return {
      pol,
      cal: pol?.cal ?? this.defaultCal,
      fr: tg?.firstResponseMinutes ?? FALLBACK_TARGETS[plan.priority].fr,
      res: tg?.resolutionMinutes ?? FALLBACK_TARGETS[plan.priority].res
    };
  }

  /** Event helpers bound to one plan. */
  private timeline(plan: Plan) {
    const push = (e: Omit<Ev, 'seq'>) => plan.events.push({ ...e, seq: this.seq++ });
    const replySource: CommentSource = plan.source === 'email' || plan.requester.role === 'requester' ? 'email' : 'portal';
    return {
      assign: (at: Date, assignee: Person, actor: Person | null) => push({ at, kind: 'assign', assignee, actor, actorType: actor ? 'user' : 'system' }),
      team: (at: Date, team: TeamKey, actor: Person | null) => push({ at, kind: 'team', team, actor, actorType: actor ? 'user' : 'system' }),
      status: (at: Date, status: TicketStatus, actor: Person | null, extra: Partial<Ev> = {}) =>
        push({ at, kind: 'status', status, actor, actorType: actor === plan.requester && actor.role !== 'agent' ? 'requester' : actor ? 'user' : 'system', ...extra }),
      agent: (at: Date, author: Person, body: string, extra: Partial<Ev> = {}) =>
        push({ at, kind: 'comment', actor: author, actorType: 'user', authorType: 'agent', internal: false, body: plan.ctx.fill(body), source: 'web', ...extra }),
      note: (at: Date, author: Person, body: string, extra: Partial<Ev> = {}) =>
        push({ at, kind: 'comment', actor: author, actorType: 'user', authorType: 'agent', internal: true, body: plan.ctx.fill(body), source: 'web', ...extra }),
      requester: (at: Date, body: string, extra: Partial<Ev> = {}) =>
        push({ at, kind: 'comment', actor: plan.requester, actorType: 'requester', authorType: 'requester', internal: false, body: plan.ctx.fill(body), source: replySource, ...extra })
    };
  }

  /** When a joiner/leaver ticket is completed (fixed per plan, so both uses agree). */
  private dueDone(plan: Plan): Date {
    if (!plan.dueDone) {
      const due = plan.dueAt!;
      if (plan.tplKey === 'offboarding') plan.dueDone = addMin(due, this.rng.range(5, 50));
      else {
        let day = utcMidnight(due.getTime()) - DAY;
        while ([0, 6].includes(at(day).getUTCDay())) day -= DAY;
        plan.dueDone = at(day + 14 * HOUR + this.rng.range(0, 150) * MIN);
      }
    }
    return plan.dueDone;
  }

  private resolutionCode(): ResolutionCode {
    return this.rng.weighted<ResolutionCode>(['solved', 'workaround', 'not_reproducible', 'other'], [86, 9, 4, 1]);
  }

  /** Auto-close, satisfaction survey and the requester's thanks after a resolution. */
  private afterResolution(plan: Plan, resolvedAt: Date, cal: Calendar | null, thanks = true) {
    const { rng } = this;
    const t = this.timeline(plan);
    if (thanks && rng.chance(0.3)) t.requester(addBusinessMinutes(cal, resolvedAt, rng.range(5, 240)), rng.pick(THANKS), { optional: 3 });
    t.status(addDays(resolvedAt, rng.range(3, 7)), 'closed', null);
    if (rng.chance(0.4)) {
      const rating = rng.weighted([5, 4, 3, 2, 1], [52, 28, 10, 6, 4]);
      plan.satisfaction = {
        at: addMin(resolvedAt, rng.range(20, 1800)),
        rating,
        comment: rng.chance(0.55) ? plan.ctx.fill(rng.pick(SATISFACTION[rating])) : null
      };
    }
  }

  private planTicket(tpl: Template, created: Date, opts: { stuck?: boolean } = {}): Plan {
    const { rng } = this;
    const requester = this.requesterFor(tpl, created);
    const source: Source =
      requester.role === 'requester' ? rng.weighted<Source>(['email', 'phone'], [8, 2]) : tpl.staffOnly ? 'api' : rng.weighted(SOURCES, SOURCES.map((s) => (tpl.sources ?? SOURCE_WEIGHTS)[s] ?? 0));
    let priority = rng.weighted(PRIORITIES, tpl.prio);
    if (requester.vip && priority === 'low' && rng.chance(0.6)) priority = 'medium';
    const catTeam = this.catTeam.get(tpl.cat)!;
    const escalate = catTeam !== 'desk' && !tpl.staffOnly && rng.chance(0.22);
    const initialTeam: TeamKey = escalate ? 'desk' : catTeam;
    const ctx = this.makeCtx(requester, created, tpl);
    // Subjects, descriptions and resolutions of the same length are variants of one scenario.
    const variant = rng.int(0, tpl.subjects.length - 1);
    const aligned = (list: string[]) => (list.length === tpl.subjects.length ? list[variant] : rng.pick(list));
    const subject = ctx.fill(tpl.subjects[variant]);
    ctx.set('subject', subject);
    const creator = source === 'phone' ? this.pickAssignee('desk', created) : null;
    const tags = [...tpl.tags];
    if (requester.vip) tags.push('vip');
    if (requester.site === 'Remote' && !tags.includes('remote') && rng.chance(0.5)) tags.push('remote');
    const others = this.people.filter((p) => p.role === 'end_user' && p.department === requester.department && p !== requester);
    const plan = this.newPlan({
      tpl, tplKey: tpl.key, requester, creator, created, subject, description: this.describe(source, requester, ctx.fill(aligned(tpl.bodies))),
      priority, typeKey: tpl.type, cat: tpl.cat, initialTeam, source, tags, ctx,
      ccEmails: source === 'email' && others.length && rng.chance(0.2) ? [rng.pick(others).email] : [],
      // A joiner's kit is due at 09:00 on day one; a leaver's access ends at 17:00 on the last day.
      dueAt: tpl.key === 'onboarding' || tpl.key === 'offboarding' ? at(new Date(ctx.get('startIso')).getTime() + (tpl.key === 'onboarding' ? 9 : 17) * HOUR) : null,
      printerTag: tpl.asset === 'printer' ? ctx.get('printerTag') : undefined
    });
    const { cal, fr, res } = this.targets(plan);
    const biz = (d: Date, m: number) => addBusinessMinutes(cal, d, m);
    const t = this.timeline(plan);
    const finalTeam = catTeam;
    const firstAgent = creator ?? this.pickAssignee(initialTeam, created);
    const finalAgent = escalate ? this.pickAssignee(finalTeam, created) : firstAgent;
    ctx.set('agentFirst', finalAgent.first).set('teamName', this.teamName.get(finalTeam)!);
    const resolution = aligned(tpl.resolutions);

    // Fixed during the phone call.
    if (creator && tpl.fcr && rng.chance(0.6)) {
      t.assign(addMin(created, 0.5), creator, creator);
      t.status(addMin(created, 1), 'in_progress', creator);
      const done = addMin(created, rng.range(4, 25));
      const onCall = resolution.replace(/^Hi \{first\}, (.)/, (_, c: string) => `Hi {first}, as discussed on the phone: ${/^I\b/.test(resolution.slice(12)) ? c : c.toLowerCase()}`);
      t.agent(done, creator, onCall, { isResolution: true, timeSpent: rng.pick([5, 10, 15, 20]) });
      t.status(done, 'resolved', creator, { resolutionCode: 'solved' });
      this.afterResolution(plan, done, cal);
      return plan;
    }

    const frLate = rng.chance(0.1);
    const tFR = biz(created, Math.max(3, fr * (frLate ? rng.range(1.15, 3) : rng.range(0.1, 1))));
    // Mostly picked up by the agent who answers; sometimes routed on arrival or triaged by the lead.
    const auto = !creator && rng.chance(0.12);
    let tAssign = auto ? addMin(created, 0.2) : rng.chance(0.85) ? addMin(tFR, -rng.range(0.5, 10)) : biz(created, fr * rng.range(0.03, 0.4));
    tAssign = minDate(maxDate(tAssign, addMin(created, 0.5)), tFR);
    const lead = this.leads.get(initialTeam)!;
    t.assign(tAssign, firstAgent, auto ? null : creator ?? (rng.chance(0.65) || lead === firstAgent ? firstAgent : lead));
    if (frLate && rng.chance(0.6)) t.requester(at((created.getTime() + tFR.getTime()) / 2), rng.pick(CHASE), { optional: 4 });

    const wait: WaitReason | null =
      plan.dueAt ? 'scheduled' : tpl.wait && rng.chance(tpl.waitChance ?? 0.3) ? tpl.wait : tpl.customerWait !== false && rng.chance(0.25) ? 'customer' : null;
    const askFirst = wait === 'customer' && rng.chance(0.5);
    const [askText, answers] = rng.pick(tpl.asks ?? (tpl.type === 'service_request' ? ASK_REQUEST : tpl.type === 'question' ? ASK_QUESTION : ASK));
    const ackText = tpl.staffOnly && tpl.notes ? tpl.notes[0] : rng.pick(ACK[tpl.type]);
    if (askFirst) {
      t.agent(tFR, firstAgent, askText);
      t.status(tFR, 'waiting', firstAgent, { waitingReason: 'customer' });
    } else {
      t.agent(tFR, firstAgent, ackText);
      t.status(tFR, 'in_progress', firstAgent);
    }

    const stuck = !!opts.stuck;
    // Resolution effort as a share of the target: mostly inside it, a long tail outside.
    const [lo, hi] = stuck ? [2.5, 6] : rng.weighted<[number, number]>([[0.05, 0.4], [0.4, 0.95], [1.05, 1.8], [1.8, 3.5]], [38, 48, 10, 4]);
    let work = res * rng.range(lo, hi);
    work = Math.max(work, businessMinutesBetween(cal, created, tFR) + 20);
    let cursor = tFR;
    let agent = firstAgent;

    if (escalate) {
      const tEsc = biz(tFR, rng.range(15, Math.max(30, Math.min(240, work * 0.3))));
      t.note(tEsc, firstAgent, rng.pick(ESCALATE), { optional: 2, timeSpent: rng.pick([10, 15, 20]) });
      t.team(tEsc, finalTeam, firstAgent);
      t.assign(addMin(tEsc, rng.range(1, 30)), finalAgent, rng.chance(0.5) ? this.leads.get(finalTeam)! : null);
      cursor = addMin(tEsc, 30);
      agent = finalAgent;
    }

    let paused = 0;
    if (wait) {
      const elapsed = businessMinutesBetween(cal, created, cursor);
      const waitStart = askFirst ? tFR : biz(cursor, rng.range(10, Math.max(20, (work - elapsed) * 0.4)));
      if (!askFirst) {
        t.agent(waitStart, agent, wait === 'customer' ? askText : rng.pick(tpl.waitText ?? WAIT_TEXT[wait]));
        t.status(waitStart, 'waiting', agent, { waitingReason: wait });
      }
      if (wait === 'customer' && rng.chance(0.12)) {
        // The requester never answers.
        t.agent(biz(waitStart, 960), agent, rng.pick(REMINDER), { optional: 2 });
        const done = biz(waitStart, 2400);
        t.agent(done, agent, rng.pick(NO_RESPONSE), { isResolution: true });
        t.status(done, 'resolved', agent, { resolutionCode: 'no_response' });
        this.afterResolution(plan, done, cal, false);
        return plan;
      }
      const waitEnd =
        wait === 'scheduled'
          ? maxDate(addMin(waitStart, 30), addMin(this.dueDone(plan), -rng.range(60, 150)))
          : biz(waitStart, wait === 'customer' ? rng.range(60, 2400) : rng.range(900, 4800));
      paused = businessMinutesBetween(cal, waitStart, waitEnd);
      if (wait === 'customer') {
        t.requester(waitEnd, rng.pick(answers));
        t.status(waitEnd, 'in_progress', plan.requester);
      } else {
        t.note(waitEnd, agent, rng.pick(tpl.resumeNote ?? RESUME_NOTE[wait]), { optional: 1 });
        t.status(waitEnd, 'in_progress', agent);
      }
      cursor = maxDate(cursor, waitEnd);
    }

    let done = biz(created, work + paused);
    if (done <= addMin(cursor, 10)) done = biz(cursor, rng.range(20, 180));
    // Joiners are ready the afternoon before day one; leavers are switched off at the end of the last day.
    if (plan.dueAt) done = maxDate(this.dueDone(plan), addMin(cursor, 20));
    if (rng.chance(0.4)) {
      const noteAt = at(cursor.getTime() + (done.getTime() - cursor.getTime()) * rng.range(0.2, 0.8));
      t.note(noteAt, rng.chance(0.85) ? agent : rng.pick(this.teamAgents(finalTeam)), rng.pick([...(tpl.notes ?? []), ...NOTES]), { optional: 5, timeSpent: rng.chance(0.5) ? rng.pick([5, 10, 15, 30]) : null });
    }
    t.agent(done, agent, resolution, { isResolution: true, timeSpent: rng.pick([10, 15, 20, 30, 45, 60, 90]) });
    t.status(done, 'resolved', agent, { resolutionCode: this.resolutionCode() });

    if (rng.chance(0.05)) {
      const back = biz(done, rng.range(60, 900));
      t.requester(back, rng.pick(REOPEN));
      t.status(back, 'in_progress', plan.requester, { reopen: true });
      const again = biz(back, rng.range(60, 600));
      t.agent(again, agent, rng.pick(REOPEN_FIX), { isResolution: true, timeSpent: rng.pick([20, 30, 45]) });
      t.status(again, 'resolved', agent, { resolutionCode: 'solved' });
      this.afterResolution(plan, again, cal, false);
    } else {
      this.afterResolution(plan, done, cal);
    }
    return plan;
  }

  /** The Wi-Fi outage the morning after the failed firmware change: one master, six duplicates. */
  private planOutage(): { master: Plan; duplicates: Plan[] } {
    const { rng } = this;
    const start = this.clusterMorning;
    const tpl = TEMPLATES.find((x) => x.key === 'wifi_drop')!;
    const londoners = rng.shuffle(this.people.filter((p) => p.role === 'end_user' && p.site === 'London HQ' && p.status === 'active' && p.createdAt < start));
    const marcus = this.leads.get('network')!;
    const priya = this.leads.get('desk')!;
    const change = this.changeIds.find((c) => c.seed.wifiCulprit);
    const reqM = londoners[0];
    const master = this.newPlan({
      tpl, tplKey: 'outage', requester: reqM, creator: null, created: start,
      subject: 'Wi-Fi down across London HQ – nobody can connect',
      description: 'Nobody on floors 2 and 3 can connect to OUTPOST-CORP since we arrived this morning. Laptops say "Can\'t connect to this network". Wired docks work. Guest Wi-Fi works.',
      priority: 'critical', typeKey: 'incident', cat: 'wifi', initialTeam: 'desk', source: 'portal', tags: ['wifi', 'outage', 'major-incident'],
      ctx: this.makeCtx(reqM, start, tpl, marcus)
    });
    const { cal } = this.targets(master);
    let t = this.timeline(master);
    t.assign(addMin(start, 4), priya, priya);
    t.team(addMin(start, 6), 'network', priya);
    t.assign(addMin(start, 6), marcus, priya);
    t.agent(addMin(start, 9), marcus, "Hi {first}, thanks — we're treating this as a major incident. All London access points are affected; we're investigating now and will update here every 30 minutes.");
    t.status(addMin(start, 9), 'in_progress', marcus);
    t.note(addMin(start, 25), marcus, `All London APs reject 802.1X since last night's firmware upgrade to 30.6${change?.number ? ` (change CHG-${change.number})` : ''}. Decision with Rachel: roll back to 29.7.`, { timeSpent: 30 });
    t.note(addMin(start, 70), marcus, 'Rollback complete on AP-LON-01 to 04, clients re-associating. Monitoring.', { timeSpent: 45 });
    const fixed = addMin(start, 100);
    t.agent(fixed, marcus, 'Hi {first}, Wi-Fi is working again. Cause: the access point firmware installed last night rejected company laptops; we rolled it back. A problem record has been opened with the vendor. Sorry for the disruption.', { isResolution: true, timeSpent: 60 });
    t.status(fixed, 'resolved', marcus, { resolutionCode: 'solved' });
    this.afterResolution(master, fixed, cal);

    const duplicates = londoners.slice(1, 7).map((req, i) => {
      const created = addMin(start, 2 + i * rng.range(5, 10));
      const p = this.newPlan({
        tpl, tplKey: 'outage-duplicate', requester: req, creator: null, created,
        subject: rng.pick(['No Wi-Fi on floor 3', 'Wi-Fi not working', "Can't connect to OUTPOST-CORP", 'Laptop will not connect to Wi-Fi this morning']),
        description: this.describe(i % 3 === 0 ? 'email' : 'portal', req, rng.pick(['The Wi-Fi is not working at all this morning, neither is it for my colleagues.', 'My laptop says "Can\'t connect to this network" for OUTPOST-CORP. It was fine yesterday.'])),
        priority: 'high', typeKey: 'incident', cat: 'wifi', initialTeam: 'desk', source: i % 3 === 0 ? 'email' : 'portal', tags: ['wifi', 'outage'],
        ctx: this.makeCtx(req, created, tpl)
      });
      const agent = rng.pick(this.teamAgents('desk'));
      t = this.timeline(p);
      const ack = addMin(maxDate(created, addMin(start, 10)), rng.range(2, 15));
      t.assign(addMin(ack, -1), agent, agent);
      t.agent(ack, agent, DUPLICATE_ACK);
      t.status(ack, 'in_progress', agent);
      const done = addMin(fixed, rng.range(5, 30));
      t.agent(done, agent, DUPLICATE_RESOLVE, { isResolution: true });
      t.status(done, 'resolved', agent, { resolutionCode: 'duplicate' });
      this.afterResolution(p, done, cal);
      return p;
    });
    return { master, duplicates };
  }

  private planProblems(): Plan[] {
    const { rng, now } = this;
    const ages = [38, 62, 25];
    return PROBLEMS.map((pr, i) => {
      const lead = this.leads.get(pr.team)!;
      const created = at(utcMidnight(addDays(now, -ages[i]).getTime()) + 10 * HOUR + rng.int(0, 120) * MIN);
      const p = this.newPlan({
        tpl: null, tplKey: `problem:${pr.incidentTemplate}`, requester: lead, creator: null, created, subject: pr.subject, description: pr.description,
        priority: pr.priority, typeKey: 'problem', cat: pr.cat, initialTeam: pr.team, source: 'web', tags: ['problem', 'known-error'],
        ctx: this.makeCtx(lead, created, null)
      });
      const { cal } = this.targets(p);
      const members = this.teamAgents(pr.team).filter((a) => a !== lead);
      const owner = members.length ? rng.pick(members) : lead;
      const t = this.timeline(p);
      t.assign(addMin(created, 2), owner, lead);
      t.agent(addBusinessMinutes(cal, created, 45), owner, 'Picked up. Collecting the related incidents and logs; will post findings here.');
      t.status(addBusinessMinutes(cal, created, 45), 'in_progress', owner);
      t.note(addBusinessMinutes(cal, created, 60 * 8 * 2), owner, pr.notes[0], { timeSpent: 120 });
      t.note(addBusinessMinutes(cal, created, 60 * 8 * 5), owner, pr.notes[1], { timeSpent: 60 });
      if (pr.resolve) {
        const done = addBusinessMinutes(cal, created, 60 * 8 * rng.range(9, 13));
        t.agent(done, owner, pr.resolution, { isResolution: true, timeSpent: 90 });
        t.status(done, 'resolved', owner, { resolutionCode: 'solved' });
        t.status(addDays(done, 5), 'closed', null);
      } else {
        const w = addBusinessMinutes(cal, created, 60 * 8 * 6);
        t.agent(w, owner, 'Waiting for the printer vendor to confirm which firmware fixes the power-saving issue (case CS-48213). Workaround in place: EEE disabled on the affected switch ports.');
        t.status(w, 'waiting', owner, { waitingReason: 'third_party' });
      }
      return p;
    });
  }

  /** Replays the events that happened before `now` into the ticket row and its children. */
  private materialize(plan: Plan) {
    const { now } = this;
    // Conversations stay at six comments or fewer: drop the most optional first.
    let comments = plan.events.filter((e) => e.kind === 'comment');
    while (comments.length > 6) {
      const drop = comments.filter((c) => c.optional).sort((a, b) => (b.optional ?? 0) - (a.optional ?? 0) || b.seq - a.seq)[0];
      if (!drop) break;
      plan.events = plan.events.filter((e) => e !== drop);
      comments = comments.filter((e) => e !== drop);
    }
    const evs = plan.events.filter((e) => e.at <= now).sort((a, b) => a.at.getTime() - b.at.getTime() || a.seq - b.seq);
    const { pol, fr: frTarget, res: resTarget } = this.targets(plan);
    const historySource = plan.source;
    const history: Row<'ticket_history'>[] = [];
    const commentRows: Row<'ticket_comments'>[] = [];
    const sla: Row<'sla_events'>[] = [];
    const creatorType: ActorType =
      plan.creator ? 'user' : plan.source === 'email' ? 'email' : plan.source === 'ai' ? 'ai' : plan.source === 'api' ? 'api_key' : plan.requester.role === 'agent' ? 'user' : 'requester';
    const createdBy = plan.creator ?? (plan.source === 'api' ? null : plan.requester);
    const hist = (at: Date, actor: Person | null, actorType: ActorType, source: Row<'ticket_history'>['source'], action: string, field: string | null, oldV: unknown, newV: unknown, internal: boolean) =>
      history.push({
        id: uuidv7(), ticket_id: plan.id, requester_id: plan.requester.id, internal, actor_id: actor?.id ?? null, actor_type: actorType, source, action, field,
        old_value: oldV === undefined ? null : JSON.stringify(oldV), new_value: newV === undefined ? null : JSON.stringify(newV),
        created_at: at, updated_at: at, created_by: actor?.id ?? null, updated_by: actor?.id ?? null
      });
    hist(plan.created, createdBy, creatorType, historySource, 'created', null, undefined, { status: 'new', priority: plan.priority, subject: plan.subject }, false);

    let status: TicketStatus = 'new';
    let waitingReason: WaitReason | null = null;
    let assignee: Person | null = null;
    let team = plan.initialTeam;
    let resolvedAt: Date | null = null;
    let closedAt: Date | null = null;
    let reopenedAt: Date | null = null;
    let reopenCount = 0;
    let code: ResolutionCode | null = null;
    let notes: string | null = null;
    let lastResolution: string | null = null;
    let firstResponse: Date | null = null;
    let lastAgent: Date | null = null;
    let lastRequester: Date | null = null;
    let lastActivity = plan.created;
    let lastActor: Person | null = createdBy;
    const pauses: { start: Date; end: Date | null }[] = [];

    for (const e of evs) {
      lastActivity = maxDate(lastActivity, e.at);
      if (e.actor) lastActor = e.actor;
      const src = e.actor === plan.requester && e.actorType === 'requester' ? (plan.source === 'email' || plan.requester.role === 'requester' ? 'email' : 'portal') : e.actor ? 'web' : 'system';
      if (e.kind === 'assign') {
        hist(e.at, e.actor, e.actorType, src, 'assigned', 'assignee_id', assignee?.id ?? null, e.assignee?.id ?? null, true);
        assignee = e.assignee ?? null;
      } else if (e.kind === 'team') {
        hist(e.at, e.actor, e.actorType, src, 'updated', 'team_id', this.teamIds.get(team), this.teamIds.get(e.team!), true);
        team = e.team!;
      } else if (e.kind === 'status') {
        hist(e.at, e.actor, e.actorType, src, e.reopen ? 'reopened' : 'status_changed', 'status', status, e.status, false);
        if (status === 'waiting' && e.status !== 'waiting' && pauses.length) pauses[pauses.length - 1].end = e.at;
        if (e.status === 'waiting' && status !== 'waiting') pauses.push({ start: e.at, end: null });
        if (e.status === 'resolved') {
          resolvedAt = e.at;
          code = e.resolutionCode ?? 'solved';
          notes = lastResolution;
        }
        if (e.status === 'closed') closedAt = e.at;
        if (e.reopen) {
          reopenedAt = e.at;
          reopenCount++;
          resolvedAt = null;
          code = null;
          notes = null;
        }
        status = e.status!;
        waitingReason = status === 'waiting' ? (e.waitingReason ?? 'customer') : null;
      } else {
        const fromRequester = e.authorType === 'requester';
        commentRows.push({
          id: uuidv7(), ticket_id: plan.id, requester_id: plan.requester.id, internal: !!e.internal, author_id: e.actor?.id ?? null, author_type: e.authorType ?? 'agent',
          body: e.body!, body_format: 'markdown', source: e.source ?? 'web', time_spent_minutes: e.timeSpent ?? null, is_resolution: !!e.isResolution,
          created_at: e.at, updated_at: e.at, created_by: e.actor?.id ?? null, updated_by: e.actor?.id ?? null
        });
        if (e.isResolution) lastResolution = e.body!;
        if (!e.internal && !fromRequester) {
          firstResponse ??= e.at;
          lastAgent = e.at;
        }
        if (fromRequester) lastRequester = e.at;
      }
    }

    // SLA clocks: the engine's replay of the same timeline (src/lib/domain/sla/clock.ts), so the
    // recorded events carry the policy decision the live service replays later.
    const done = status === 'resolved' || status === 'closed';
    let frDue: Date | null = null;
    let resDue: Date | null = null;
    let frBreached: Date | null = null;
    let resBreached: Date | null = null;
    let pausedSeconds = 0;
    let pausedAt: Date | null = null;
    if (pol) {
      const inputs: SlaInput[] = [
        {
          kind: 'policy', at: plan.created, policyId: pol.id, calendarId: pol.calendarId, priority: plan.priority, pauseStatuses: pol.pauseStatuses,
          targets: { first_response: frTarget, resolution: resTarget }, warningPercent: pol.warningPercent
        }
      ];
      for (const e of evs) if (e.kind === 'status') inputs.push({ kind: 'status', at: e.at, to: e.status! });
      if (firstResponse) inputs.push({ kind: 'first_response', at: firstResponse });
      const r = computeSla(inputs, { calendars: this.slaCalendars, now });
      for (const e of r.timeline) {
        sla.push({ id: uuidv7(), ticket_id: plan.id, policy_id: e.policyId, kind: e.kind, target: e.target, occurred_at: e.at, due_at: e.dueAt, details: JSON.stringify(e.details), created_at: e.at, updated_at: e.at });
      }
      frDue = r.clocks.first_response.dueAt;
      resDue = r.clocks.resolution.dueAt;
      frBreached = r.clocks.first_response.breachedAt;
      resBreached = r.clocks.resolution.breachedAt;
      pausedSeconds = Math.round(r.pausedMinutes * 60);
      pausedAt = r.pausedAt;
    }
    const sat = plan.satisfaction && done && plan.satisfaction.at <= now ? plan.satisfaction : null;
    if (sat) lastActivity = maxDate(lastActivity, sat.at);

    const ticket: Row<'tickets'> = {
      id: plan.id,
      subject: plan.subject,
      description: plan.description,
      status,
      waiting_reason: waitingReason,
      priority: plan.priority,
      impact: plan.priority === 'critical' ? 'high' : plan.priority === 'high' ? this.rng.pick(['high', 'medium'] as const) : plan.priority === 'medium' ? 'medium' : this.rng.pick(['low', 'low', 'medium'] as const),
      urgency: plan.priority === 'critical' || plan.priority === 'high' ? 'high' : plan.priority === 'medium' ? this.rng.pick(['medium', 'medium', 'high'] as const) : 'low',
      type_id: this.typeIds.get(plan.typeKey) ?? null,
      category_id: this.catIds.get(plan.cat) ?? null,
      tags: plan.tags,
      requester_id: plan.requester.id,
      assignee_id: assignee?.id ?? null,
      team_id: this.teamIds.get(team) ?? null,
      source: plan.source,
      cc_emails: plan.ccEmails,
      location: plan.requester.location,
      due_at: plan.dueAt,
      first_response_at: firstResponse,
      resolved_at: resolvedAt,
      closed_at: closedAt,
      reopened_at: reopenedAt,
      reopen_count: reopenCount,
      sla_policy_id: pol?.id ?? null,
      first_response_due_at: frDue,
      resolution_due_at: resDue,
      first_response_breached_at: frBreached,
      resolution_breached_at: resBreached,
      sla_paused: !!pausedAt,
      sla_paused_at: pausedAt,
      sla_paused_seconds: pausedSeconds,
      resolution_code: done ? code : null,
      resolution_notes: done ? notes : null,
      satisfaction_rating: sat?.rating ?? null,
      satisfaction_comment: sat?.comment ?? null,
      satisfaction_at: sat?.at ?? null,
      last_activity_at: lastActivity,
      last_agent_reply_at: lastAgent,
      last_requester_reply_at: lastRequester,
      created_at: plan.created,
      updated_at: lastActivity,
      created_by: createdBy?.id ?? null,
      updated_by: lastActor?.id ?? null
    };
    const mat: Materialized = { plan, status, assignee, team, resolvedAt, frDue, resDue, resBreachedAt: resBreached, events: evs };
    return { mat, ticket, comments: commentRows, history, sla };
  }

  private async seedTickets(): Promise<Materialized[]> {
    const { rng, now } = this;
    const plans: Plan[] = [];
    const pool = TEMPLATES;
    for (let i = 0; i < 336; i++) {
      const created = this.randomCreated();
      const tpl = rng.weighted(pool, pool.map((x) => x.weight));
      const age = (now.getTime() - created.getTime()) / DAY;
      plans.push(this.planTicket(tpl, created, { stuck: age > 1.5 && age < 20 && rng.chance(0.08) }));
    }
    // Today's queue: a few tickets from the last hours that nobody has looked at yet.
    for (let i = 0; i < 6; i++) {
      const tpl = rng.weighted(pool, pool.map((x) => (x.staffOnly ? 0 : x.weight)));
      plans.push(this.planTicket(tpl, addMin(now, -rng.range(3, 150))));
    }
    const outage = this.planOutage();
    plans.push(outage.master, ...outage.duplicates, ...this.planProblems());
    plans.sort((a, b) => a.created.getTime() - b.created.getTime());

    const built = plans.map((p) => this.materialize(p));
    for (let i = 0; i < built.length; i += CHUNK) {
      const rows = await this.db.insertInto('tickets').values(built.slice(i, i + CHUNK).map((b) => b.ticket)).returning(['id', 'number']).execute();
      const byId = new Map(rows.map((r) => [r.id, String(r.number)]));
      for (const b of built.slice(i, i + CHUNK)) b.mat.number = byId.get(b.mat.plan.id);
    }
    this.count('tickets', built.length);
    await this.insert('ticket_comments', built.flatMap((b) => b.comments));
    await this.insert('ticket_history', built.flatMap((b) => b.history));
    await this.insert('sla_events', built.flatMap((b) => b.sla));
    return built.map((b) => b.mat);
  }

  // ── Knowledge base ──────────────────────────────────────────────────────────────────────────
  private async seedKnowledgeBase(tickets: Materialized[]) {
    const { rng, now } = this;
    const existingCats = await this.db.selectFrom('kb_categories').select(['id', 'slug']).where('deleted_at', 'is', null).execute();
    const catId = new Map(existingCats.map((c) => [c.slug, c.id]));
    const catCreated = addDays(now, -rng.range(500, 700));
    const catRows: Row<'kb_categories'>[] = [];
    KB_CATEGORIES.forEach((c, i) => {
      if (catId.has(c.slug)) return;
      const id = uuidv7();
      catId.set(c.slug, id);
      catRows.push({ id, slug: c.slug, name: c.name, description: c.description, icon: c.icon, audience: c.audience, position: (i + 1) * 10, ...this.audit(catCreated) });
    });
    await this.insert('kb_categories', catRows);

    const taken = new Set((await this.db.selectFrom('kb_articles').select('slug').where('locale', '=', 'en').where('deleted_at', 'is', null).execute()).map((r) => r.slug));
    const david = this.person('David');
    const articles: Row<'kb_articles'>[] = [];
    const versions: Row<'kb_article_versions'>[] = [];
    const dropLastSection = (body: string) => {
      const i = body.lastIndexOf('\n## ');
      return i > 0 ? body.slice(0, i).trimEnd() : body;
    };
    const notesPool = ['Updated steps for the new client version', 'Added a troubleshooting table', 'Clarified wording after feedback from the service desk', 'New screenshots and a tip about phones'];
    for (const a of KB) {
      let slug = a.slug;
      for (let i = 2; taken.has(slug); i++) slug = `${a.slug}-${i}`;
      taken.add(slug);
      const id = uuidv7();
      const authors = this.teamAgents(a.team);
      const author = rng.pick(authors);
      const source = a.fromTemplate ? tickets.filter((m) => m.plan.tplKey === a.fromTemplate && m.resolvedAt).at(-1) : undefined;
      // Written, reviewed and published in office hours.
      const office = (d: Date, minutes: number) => minDate(addBusinessMinutes(this.defaultCal, d, minutes), addMin(now, -30));
      const dayAgo = (days: number) => at(utcMidnight(now.getTime()) - Math.round(days) * DAY);
      let created: Date;
      if (source) created = office(source.resolvedAt!, rng.range(60, 600));
      else created = office(dayAgo(a.status === 'published' ? rng.range(60, 600) : rng.range(1, 20)), rng.range(0, 480));
      const n = a.status === 'published' ? (a.versions ?? 1) : 1;
      const published = a.status === 'published' ? minDate(office(created, rng.range(240, 2400)), addDays(now, -1)) : null;
      const reviewer = a.status === 'draft' ? null : rng.pick([david, this.leads.get(a.team)!].filter((r) => r !== author));
      const reviewedAt = published ? maxDate(created, addMin(published, -rng.range(30, 240))) : null;
      // Versions after the first are spread between publication and now.
      const versionDates: Date[] = [created];
      for (let v = 2; v <= n; v++) versionDates.push(office(at(published!.getTime() + ((now.getTime() - published!.getTime()) * (v - 1)) / n), 0));
      const updated = maxDate(published ?? created, versionDates[versionDates.length - 1]);
      const views = a.status !== 'published' ? 0 : Math.round((a.audience === 'public' ? rng.range(40, 1600) : rng.range(10, 220)) * (1 + (a.versions ?? 1) / 3));
      articles.push({
        id, slug, locale: 'en', title: a.title, summary: a.summary, body: a.body, status: a.status, audience: a.audience, category_id: catId.get(a.cat) ?? null, tags: a.tags,
        author_id: author.id, reviewer_id: reviewer?.id ?? null, reviewed_at: reviewedAt, published_at: published, version: n,
        helpful_yes: Math.round(views * rng.range(0.03, 0.09)), helpful_no: Math.round(views * rng.range(0.002, 0.015)), view_count: views,
        source_ticket_id: source?.plan.id ?? null, ai_generated: !!a.aiGenerated, revised_at: versionDates[versionDates.length - 1], // kb: 0012
        created_at: created, updated_at: updated, created_by: a.aiGenerated ? null : author.id, updated_by: author.id
      });
      for (let v = 1; v <= n; v++) {
        let body = a.body;
        for (let k = v; k < n; k++) body = dropLastSection(body);
        versions.push({
          id: uuidv7(), article_id: id, version: v, title: a.title, summary: a.summary, body, status: v === n ? a.status : 'published',
          change_note: v === 1 ? (a.aiGenerated ? 'Drafted by the assistant from a resolved ticket' : 'First version') : rng.pick(notesPool),
          author_id: author.id, created_at: versionDates[v - 1], updated_at: versionDates[v - 1], created_by: author.id, updated_by: author.id
        });
      }
      this.kbIdBySlug.set(a.slug, { id, status: a.status, title: a.title });
    }
    await this.insert('kb_articles', articles);
    await this.insert('kb_article_versions', versions);
  }

  // ── Ticket links ────────────────────────────────────────────────────────────────────────────
  private async seedTicketLinks(tickets: Materialized[]) {
    const { rng, now } = this;
    const rows: Row<'ticket_links'>[] = [];
    const seen = new Set<string>();
    const link = (m: Materialized, kind: Row<'ticket_links'>['kind'], target: { linked_ticket_id?: string; asset_id?: string; change_request_id?: string; kb_article_id?: string }, when: Date, note: string | null = null) => {
      const key = `${m.plan.id}/${kind}/${Object.values(target)[0]}`;
      if (seen.has(key) || target.linked_ticket_id === m.plan.id) return;
      seen.add(key);
      const actor = m.assignee ?? null;
      const t = minDate(maxDate(when, m.plan.created), now);
      rows.push({ id: uuidv7(), ticket_id: m.plan.id, kind, note, ...target, created_at: t, updated_at: t, created_by: actor?.id ?? this.adminId, updated_by: actor?.id ?? this.adminId });
    };
    const master = tickets.find((m) => m.plan.tplKey === 'outage');
    const culprit = this.changeIds.find((c) => c.seed.wifiCulprit);
    if (master) {
      for (const d of tickets.filter((m) => m.plan.tplKey === 'outage-duplicate')) link(d, 'duplicate_of', { linked_ticket_id: master.plan.id }, addMin(d.plan.created, 15));
      if (culprit) link(master, 'caused_by_change', { change_request_id: culprit.id }, addMin(master.plan.created, 25), 'Firmware 30.6 rejected 802.1X clients');
    }
    for (const p of tickets.filter((m) => m.plan.typeKey === 'problem')) {
      const incidentKey = p.plan.tplKey.replace('problem:', '');
      const related = tickets.filter(
        (m) => m.plan.tplKey === incidentKey && m.plan.created > addDays(p.plan.created, -30) && m.plan.created < addDays(p.plan.created, 20)
      );
      for (const inc of rng.sample(related, 6)) link(inc, 'caused_by', { linked_ticket_id: p.plan.id }, maxDate(inc.plan.created, p.plan.created));
      if (incidentKey === 'vpn_connect') {
        const gp = this.changeIds.find((c) => c.seed.title.startsWith('Upgrade GlobalProtect'));
        if (gp) link(p, 'implemented_by_change', { change_request_id: gp.id }, addDays(p.plan.created, 4));
      }
    }
    for (const m of tickets) {
      const tpl = m.plan.tpl;
      if (!tpl) continue;
      if (tpl.asset === 'laptop' && m.plan.requester.laptop && rng.chance(0.6)) link(m, 'affects_asset', { asset_id: m.plan.requester.laptop.id }, addMin(m.plan.created, 30));
      if (m.plan.printerTag && this.assetIdByTag.has(m.plan.printerTag) && rng.chance(0.7)) link(m, 'affects_asset', { asset_id: this.assetIdByTag.get(m.plan.printerTag)! }, addMin(m.plan.created, 30));
      const kb = tpl.kb ? this.kbIdBySlug.get(tpl.kb) : undefined;
      if (kb && kb.status === 'published' && m.resolvedAt && rng.chance(0.3)) link(m, 'solved_by_article', { kb_article_id: kb.id }, m.resolvedAt);
    }
    await this.insert('ticket_links', rows);
  }

  // ── Notifications ───────────────────────────────────────────────────────────────────────────
  private async seedNotifications(tickets: Materialized[]) {
    const { rng, now } = this;
    type Candidate = Omit<Row<'notifications'>, 'id' | 'user_id' | 'created_at' | 'updated_at'> & { at: Date };
    const byUser = new Map<string, Candidate[]>();
    const push = (user: Person | null | undefined, c: Candidate) => {
      if (!user || c.at > now) return;
      if (!byUser.has(user.id)) byUser.set(user.id, []);
      byUser.get(user.id)!.push(c);
    };
    const excerpt = (s: string) => (s.length > 140 ? s.slice(0, 137) + '…' : s);
    for (const m of tickets) {
      const n = m.number ?? '';
      const base = { link: `/tickets/${n}`, ticket_id: m.plan.id, data: JSON.stringify({ ticketNumber: n }) };
      for (const e of m.events) {
        if (e.kind === 'assign' && e.assignee && e.actor !== e.assignee) {
          push(e.assignee, { ...base, type: 'ticket.assigned', title: `#${n} assigned to you`, body: m.plan.subject, actor_id: e.actor?.id ?? null, at: e.at });
        }
        if (e.kind === 'comment' && e.authorType === 'requester' && m.assignee) {
          push(m.assignee, { ...base, type: 'comment.added', title: `${m.plan.requester.name} replied on #${n}`, body: excerpt(e.body!), actor_id: m.plan.requester.id, at: e.at });
        }
        if (e.kind === 'comment' && e.internal && m.assignee && e.actor && e.actor !== m.assignee) {
          push(m.assignee, { ...base, type: 'mention', title: `${e.actor.name} added a note on #${n}`, body: excerpt(e.body!), actor_id: e.actor.id, at: e.at });
        }
      }
      const open = m.status !== 'resolved' && m.status !== 'closed';
      if (open && m.resBreachedAt) {
        const c = { ...base, type: 'sla.breached', title: `SLA breached on #${n}`, body: m.plan.subject, actor_id: null, at: m.resBreachedAt };
        push(m.assignee, c);
        if (m.plan.priority === 'high' || m.plan.priority === 'critical') for (const mgr of this.managers) push(mgr, c);
      } else if (open && m.resDue && m.assignee) {
        const warnAt = at(m.plan.created.getTime() + (m.resDue.getTime() - m.plan.created.getTime()) * 0.8);
        push(m.assignee, { ...base, type: 'sla.warning', title: `#${n} is close to its resolution deadline`, body: m.plan.subject, actor_id: null, at: warnAt });
      }
    }
    for (const p of this.pendingApprovals) {
      const c = this.changeIds[p.changeIndex];
      push(p.approver, {
        type: 'change.approval_requested', title: `Approval requested: CHG-${c.number}`, body: c.seed.title, link: `/changes/${c.number}`,
        change_request_id: c.id, actor_id: null, data: JSON.stringify({ changeNumber: c.number }), at: p.at
      });
    }
    const published = KB.filter((a) => a.status === 'published');
    for (const a of KB.filter((x) => x.status === 'review')) {
      push(this.person('David'), { type: 'kb.review_requested', title: `Review requested: ${a.title}`, body: a.summary, link: `/kb/${a.slug}`, actor_id: null, data: JSON.stringify({ slug: a.slug }), at: addDays(now, -rng.range(0.2, 2)) });
    }

    const rows: Row<'notifications'>[] = [];
    for (const user of [...this.agents, ...this.managers]) {
      const list = (byUser.get(user.id) ?? []).filter((c) => c.at > addDays(now, -21)).sort((a, b) => b.at.getTime() - a.at.getTime());
      while (list.length < 3) {
        const a = rng.pick(published);
        list.push({ type: 'kb.published', title: `New article: ${a.title}`, body: a.summary, link: `/kb/${a.slug}`, actor_id: null, data: JSON.stringify({ slug: a.slug }), at: addMin(now, -rng.range(60, 60 * 72)) });
        list.sort((x, y) => y.at.getTime() - x.at.getTime());
      }
      const unread = rng.int(2, 5);
      const total = Math.min(list.length, unread + rng.int(3, 6));
      list.slice(0, total).forEach((c, i) => {
        const { at: when, ...rest } = c;
        const readAt = i < unread ? null : minDate(addMin(when, rng.range(5, 600)), now);
        rows.push({ id: uuidv7(), user_id: user.id, ...rest, read_at: readAt, created_at: when, updated_at: readAt ?? when });
      });
    }
    await this.insert('notifications', rows);
  }
}
