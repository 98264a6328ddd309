/**
 * A service URL (PostgreSQL, Redis) as it may be shown in a message or a log: without its
 * password, whether in the user part or a query parameter.
 */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.searchParams.delete('password');
    return parsed.toString();
  } catch {
    return 'a URL that cannot be parsed';
  }
}
