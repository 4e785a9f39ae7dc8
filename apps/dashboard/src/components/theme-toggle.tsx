'use client';

import { useEffect, useState } from 'react';
import { THEME_KEY as KEY } from './theme-script';

type Theme = 'system' | 'light' | 'dark';
const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<Theme, string> = { system: '◐', light: '☀', dark: '☾' };

/** Cycles system → light → dark; stored in localStorage, applied as <html data-theme>. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>('system');
  useEffect(() => {
    const t = document.documentElement.dataset.theme;
    setTheme(t === 'light' || t === 'dark' ? t : 'system');
  }, []);
  const next = NEXT[theme];
  return (
    <button
      type="button"
      className="btn btn-ghost theme-toggle"
      data-testid="theme-toggle"
      data-theme={theme}
      title={`Theme: ${theme} (click for ${next})`}
      aria-label={`Theme: ${theme}; switch to ${next}`}
      onClick={() => {
        setTheme(next);
        if (next === 'system') {
          delete document.documentElement.dataset.theme;
          localStorage.removeItem(KEY);
        } else {
          document.documentElement.dataset.theme = next;
          localStorage.setItem(KEY, next);
        }
      }}
    >
      {LABEL[theme]}
    </button>
  );
}
