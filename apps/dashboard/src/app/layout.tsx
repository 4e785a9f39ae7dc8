import '@fontsource-variable/inter';
import './globals.css';
import type { Metadata, Viewport } from 'next';
import localFont from 'next/font/local';
import type { ReactNode } from 'react';
import { Nav } from '../components/nav';
import { THEME_SCRIPT } from '../components/theme-script';
import { LiveProvider } from '../features/live/live-provider';
import { getLiveCredentials } from '../lib/session';

// Inter's Latin subset through next/font, which preloads it with the page, so the first layout already uses it (with
// the @fontsource stylesheet alone the font arrived after the first layout and every table was laid out twice). Other
// scripts fall through to @fontsource's 'Inter Variable' subsets (see --font in globals.css).
const interLatin = localFont({
  src: '../../../../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2',
  weight: '100 900',
  display: 'swap',
  // No metric-adjusted local fallback face: it would cover Cyrillic, Greek, … before 'Inter Variable' could.
  adjustFontFallback: false,
  variable: '--font-inter-latin',
});

export const metadata: Metadata = {
  title: 'Fleetbench',
  description: 'Fleet-wide benchmarks of image-classification models on real hardware',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  colorScheme: 'light dark',
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f7f8fa' },
    { media: '(prefers-color-scheme: dark)', color: '#0f1115' },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const live = await getLiveCredentials();
  return (
    <html lang="en" className={interLatin.variable} suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <LiveProvider credentials={live}>
          <Nav signedIn={live !== null} />
          <main className="main">{children}</main>
        </LiveProvider>
      </body>
    </html>
  );
}
