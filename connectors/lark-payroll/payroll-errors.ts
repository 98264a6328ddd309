/**
 * 2500021 "The data source is writing data, acquiring lock failed": Lark takes one write per
 * datasource at a time. Staffwire serialises its own writes, so this means another writer (another
 * Staffwire process, another system) holds the lock; waiting a moment and retrying is the cure.
 */
export const DATASOURCE_LOCKED_CODE = 2500021;
export const PAYROLL_TRANSIENT_CODES: ReadonlyMap<number, 'rate_limit'> = new Map([[DATASOURCE_LOCKED_CODE, 'rate_limit']]);
