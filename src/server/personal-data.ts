/**
 * Personal data, recognised by the name of the field that holds it: names, e-mail addresses,
 * phone and mobile numbers, ID numbers, salaries and other pay, addresses, birthdays. Keys are
 * compared lower-cased with `_`, `-`, `.` and spaces removed, so `first_name`, `firstName` and
 * `First Name` are one key. One list for whatever hides personal data: the API masks it for
 * viewers; the logger (src/log/logger.ts) should redact by the same list.
 */
export const PERSONAL_DATA_KEYS: readonly RegExp[] = [
  // Names of people: `name`, `first_name`, `display_name`, `candidate_name`, `name_list`, `surname`…
  /name(?:s|list|primary)?$/,
  // E-mail addresses.
  /e?mail(?:address)?(?:es)?(?:list)?$/,
  // Phone and mobile numbers.
  /phone|mobile|^tel$|telephone|^fax/,
  // National ID, passport, social security and tax numbers.
  /idnumber|idcard|idno$|nationalid|citizenid|passport|socialsecurity|^ssn$|taxid|^tin$|identitynumber|driverlicen[cs]e/,
  // Salaries and other pay.
  /salar(?:y|ies)|wage|compensation|bonus|^pay$|payamount|payrate|basepay|income|amount$|bankaccount|iban/,
  // Postal addresses.
  /address(?:es)?(?:list)?$|^street|postalcode|postcode|^zip(?:code)?$/,
  // Birthdays.
  /birth|^dob$/,
];

/**
 * Names of things, not people, that the name rule would otherwise catch: `department_name`,
 * `file_name`, `enum_name`, `table_name`…
 */
const NAMES_OF_THINGS =
  /^(?:department|dept|enum|file|job|step|flow|table|field|app|company|org|organi[sz]ation|location|host|role|connection|event|action|kind|type|template|group|team|level|position|title|queue|bucket|key|tag|sheet|column|view|datasource|source|product|project|costcenter|currency|country|city|region|class|method|attribute|domain|path|bitable|base|record|item|env|variable|header|metric|label|service|schema|rule|policy|reason|status|stage|category)(?:names?|namelist)$/;
/** What a masked value reads as. */
export const MASKED = '[masked]';

export function isPersonalDataKey(key: string): boolean {
  const normalised = key.toLowerCase().replace(/[\s_.-]/g, '');
  if (NAMES_OF_THINGS.test(normalised)) return false;
  return PERSONAL_DATA_KEYS.some((pattern) => pattern.test(normalised));
}

/**
 * A copy of `value` with the value of every personal field replaced by MASKED, at any depth;
 * objects and arrays under such a field are masked whole. An event-wait's `value` is masked when
 * the `path` it is looked up at ends in a personal field (a listen keyed by an e-mail address).
 */
export function maskPersonalData<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > 1000) return value;
  if (Array.isArray(value)) return value.map((item) => maskPersonalData(item, depth + 1)) as T;
  const masked: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  const pathIsPersonal = typeof source.path === 'string' && 'value' in source && isPersonalDataKey(lastSegment(source.path));
  for (const [key, child] of Object.entries(source)) {
    const hide = (isPersonalDataKey(key) || (key === 'value' && pathIsPersonal)) && child !== null && child !== undefined && child !== '';
    Object.defineProperty(masked, key, { value: hide ? MASKED : maskPersonalData(child, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return masked as T;
}

/** `offer.candidate.email` → `email`; `/items/0/mobile` → `mobile`; `items[2].name` → `name`. */
function lastSegment(path: string): string {
  const parts = path.split(/[./[\]]+/).filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

/**
 * A listen step keeps the key it waits for in its state (`state.listening.value`) without the
 * path the key is matched at. That path is in what the run waits, or waited, for (`waits`: the
 * run's `waitingFor` and those its journal recorded, each naming its step): the key is masked
 * when its path ends in a personal field, or when no path for the step is known.
 */
export function maskListenKeys<Step extends { path: string; state?: Record<string, unknown> }>(steps: Step[], waits: readonly unknown[]): Step[] {
  const matchedAt = new Map<string, string>();
  for (const wait of waits) {
    const { step, path } = (wait ?? {}) as { step?: unknown; path?: unknown };
    if (typeof step === 'string' && typeof path === 'string') matchedAt.set(step, path);
  }
  return steps.map((step) => {
    const listening = step.state?.listening as Record<string, unknown> | undefined;
    if (listening === null || typeof listening !== 'object' || !('value' in listening)) return step;
    const path = matchedAt.get(step.path);
    if (path !== undefined && !isPersonalDataKey(lastSegment(path))) return step;
    return { ...step, state: { ...step.state, listening: { ...listening, value: MASKED } } };
  });
}
