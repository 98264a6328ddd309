/**
 * The PostgreSQL store's defaults, apart from the store so that reading the configuration does
 * not load the database driver.
 */
export const DEFAULT_POOL_SIZE = 10;
