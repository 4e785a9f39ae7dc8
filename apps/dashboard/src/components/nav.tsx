import Link from 'next/link';
import { logout } from '../app/login/actions';
import { LiveStatus } from '../features/live/live-status';
import { NavLinks } from './nav-links';
import { ThemeToggle } from './theme-toggle';

export function Nav({ signedIn }: { signedIn: boolean }) {
  return (
    <header className="topbar">
      <nav className="nav" aria-label="Main">
        <Link href="/" className="brand">
          Fleetbench
        </Link>
        {signedIn ? <NavLinks /> : null}
        <div className="nav-end">
          <LiveStatus />
          <ThemeToggle />
          {signedIn ? (
            <form action={logout}>
              <button type="submit" className="btn btn-ghost" data-testid="logout">
                Sign out
              </button>
            </form>
          ) : null}
        </div>
      </nav>
    </header>
  );
}
