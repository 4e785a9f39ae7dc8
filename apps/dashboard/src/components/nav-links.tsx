'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/', label: 'Fleet' },
  { href: '/leaderboard', label: 'Leaderboard' },
] as const;

export function NavLinks() {
  const pathname = usePathname();
  return (
    <ul className="nav-links">
      {LINKS.map((l) => {
        const active = l.href === '/' ? pathname === '/' : pathname.startsWith(l.href);
        return (
          <li key={l.href}>
            <Link href={l.href} aria-current={active ? 'page' : undefined} data-testid={`nav-${l.label.toLowerCase()}`}>
              {l.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
