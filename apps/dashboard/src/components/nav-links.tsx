'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/', label: 'Fleet', id: 'fleet' },
  { href: '/leaderboard', label: 'Leaderboard', id: 'leaderboard' },
  { href: '/chart', label: 'Speed vs accuracy', id: 'chart' },
  { href: '/compare', label: 'Compare', id: 'compare' },
  { href: '/published', label: 'vs Published', id: 'published' },
  { href: '/campaigns', label: 'Campaigns', id: 'campaigns' },
  { href: '/changes', label: 'Changes', id: 'changes' },
  { href: '/models', label: 'Models', id: 'models' },
] as const;

export function NavLinks() {
  const pathname = usePathname();
  return (
    <ul className="nav-links">
      {LINKS.map((l) => {
        const active =
          l.href === '/'
            ? pathname === '/' || pathname.startsWith('/devices')
            : pathname.startsWith(l.href) || (l.id === 'campaigns' && pathname.startsWith('/results'));
        return (
          <li key={l.href}>
            <Link href={l.href} aria-current={active ? 'page' : undefined} data-testid={`nav-${l.id}`}>
              {l.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
