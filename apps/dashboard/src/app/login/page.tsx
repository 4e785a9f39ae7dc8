import type { Metadata } from 'next';
import { safeNextPath } from '../../lib/session-cookie';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in · Fleetbench' };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const next = safeNextPath(typeof sp.next === 'string' ? sp.next : '/');
  const expired = sp.reason === 'expired';
  return (
    <section className="login">
      <h1>Sign in</h1>
      <p className="muted">
        Paste the hub’s API token. The dashboard checks it with the hub and keeps it in an httpOnly cookie in this
        browser.
      </p>
      {expired ? (
        <div className="notice notice-warn" role="status" data-testid="login-expired">
          The hub no longer accepts the stored token. Sign in again.
        </div>
      ) : null}
      <LoginForm next={next} />
    </section>
  );
}
