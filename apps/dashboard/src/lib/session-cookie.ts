/** Session cookie facts shared by the proxy (edge of the app), the login action and server components. */
export const SESSION_COOKIE = 'fleetbench_token';
/** One week; the hub token itself does not expire, the cookie does. */
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

/** Only same-site relative paths may be a post-login destination (no `//evil.example`, no `/\evil`, no schemes). */
export function safeNextPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point (header injection)
  if (/[\u0000-\u001f]/.test(raw)) return '/';
  if (raw === '/login' || raw.startsWith('/login?') || raw.startsWith('/login/')) return '/';
  return raw;
}
