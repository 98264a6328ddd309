/**
 * Bitable's record filter (`filter{conjunction, conditions[], children[]}` of records/search)
 * evaluated against one record, for the sandbox fake.
 */
export const FILTER_OPERATORS = [
  'is',
  'isNot',
  'contains',
  'doesNotContain',
  'isEmpty',
  'isNotEmpty',
  'isGreater',
  'isGreaterEqual',
  'isLess',
  'isLessEqual',
] as const;

export interface FilterCondition {
  field_name: string;
  operator: (typeof FILTER_OPERATORS)[number];
  value?: string[];
}

export interface FilterGroup {
  conjunction: 'and' | 'or';
  conditions?: FilterCondition[];
  children?: FilterGroup[];
}

/** Field type codes the filter treats specially. */
export const FIELD_TYPE = { text: 1, number: 2, singleSelect: 3, multiSelect: 4, date: 5, checkbox: 7 } as const;

const DAY_MS = 86_400_000;

export function matchesFilter(filter: FilterGroup, fields: Record<string, unknown>, fieldType: (name: string) => number | undefined): boolean {
  const outcomes = [
    ...(filter.conditions ?? []).map((condition) => matchesCondition(fields[condition.field_name], condition, fieldType(condition.field_name))),
    ...(filter.children ?? []).map((child) => matchesFilter(child, fields, fieldType)),
  ];
  if (outcomes.length === 0) return true;
  return filter.conjunction === 'or' ? outcomes.some(Boolean) : outcomes.every(Boolean);
}

export function matchesCondition(cell: unknown, condition: FilterCondition, fieldType: number | undefined): boolean {
  const values = condition.value ?? [];
  switch (condition.operator) {
    case 'isEmpty':
      return isEmpty(cell);
    case 'isNotEmpty':
      return !isEmpty(cell);
    case 'is':
      return equals(cell, values, fieldType);
    case 'isNot':
      return !equals(cell, values, fieldType);
    case 'contains':
      return contains(cell, values);
    case 'doesNotContain':
      return !contains(cell, values);
    case 'isGreater':
      return compare(cell, values) > 0;
    case 'isGreaterEqual':
      return compare(cell, values) >= 0;
    case 'isLess':
      return compare(cell, values) < 0;
    case 'isLessEqual':
      return compare(cell, values) <= 0;
  }
}

function isEmpty(cell: unknown): boolean {
  return cell === undefined || cell === null || cell === '' || (Array.isArray(cell) && cell.length === 0);
}

/** The texts a cell shows: options of a multi-select, a person's or link's name, the number itself. */
function texts(cell: unknown): string[] {
  if (isEmpty(cell)) return [];
  if (Array.isArray(cell)) return cell.flatMap(texts);
  if (typeof cell === 'object') {
    const { text, name, id } = cell as { text?: unknown; name?: unknown; id?: unknown };
    return [String(text ?? name ?? id ?? '')];
  }
  return [String(cell)];
}

/**
 * Date conditions carry `["ExactDate", "<ms>"]`; every other operand is the last value. Numbers
 * and dates compare numerically, anything else as text; a cell that has no value never compares.
 */
function compare(cell: unknown, values: string[]): number {
  const operand = values.at(-1);
  if (isEmpty(cell) || operand === undefined) return Number.NaN;
  const left = Number(cell);
  const right = Number(operand);
  if (Number.isFinite(left) && Number.isFinite(right)) return left - right;
  return texts(cell).join(',').localeCompare(operand);
}

function equals(cell: unknown, values: string[], fieldType: number | undefined): boolean {
  if (fieldType === FIELD_TYPE.date) {
    const operand = Number(values.at(-1));
    return !isEmpty(cell) && Math.floor(Number(cell) / DAY_MS) === Math.floor(operand / DAY_MS);
  }
  if (fieldType === FIELD_TYPE.number) return !isEmpty(cell) && Number(cell) === Number(values[0]);
  if (fieldType === FIELD_TYPE.checkbox) return String(cell === true) === values[0];
  const shown = texts(cell);
  if (fieldType === FIELD_TYPE.multiSelect) return shown.length === values.length && values.every((v) => shown.includes(v));
  return shown.join(',') === (values[0] ?? '');
}

function contains(cell: unknown, values: string[]): boolean {
  const shown = texts(cell);
  return values.some((value) => shown.some((text) => text.includes(value)));
}
