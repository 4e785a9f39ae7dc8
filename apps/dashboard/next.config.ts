import path from 'node:path';
import type { NextConfig } from 'next';

// The protocol package's `main` is its tsc output (dist/), which may not exist yet: bundle it from source instead, so
// `next build` needs no prior build of the workspace. tsconfig `paths` says the same for the type checker (and is
// honoured by both bundlers too); the aliases below make it explicit.
// Turbopack: an alias value must be a *relative* specifier (resolved from this directory); an absolute path is read
// as relative to the project root and fails.
const PROTOCOL_SOURCE = './../../packages/protocol/src/index.ts';
// Same for the model zoo (server components read its published catalogue and reference hardware).
const ZOO_SOURCE = './../../packages/zoo/src/index.ts';
// The zoo's `./catalogue` export (its published data without the ONNX builders), from source likewise.
const ZOO_CATALOGUE_SOURCE = './../../packages/zoo/src/catalogue-data.ts';

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ['@fleetbench/protocol', '@fleetbench/zoo'],
  // Decoded on the server only (result histograms); keep it a plain Node require.
  serverExternalPackages: ['hdr-histogram-js'],
  turbopack: {
    // The monorepo root (where package-lock.json and the hoisted node_modules are).
    root: path.join(__dirname, '../..'),
    resolveAlias: {
      '@fleetbench/protocol': PROTOCOL_SOURCE,
      '@fleetbench/zoo': ZOO_SOURCE,
      '@fleetbench/zoo/catalogue': ZOO_CATALOGUE_SOURCE,
    },
  },
  // Only for `next build --webpack` (Turbopack is the default in Next 16).
  webpack: (config: { resolve: { alias: Record<string, string> } }) => {
    config.resolve.alias['@fleetbench/protocol$'] = path.join(__dirname, PROTOCOL_SOURCE);
    config.resolve.alias['@fleetbench/zoo$'] = path.join(__dirname, ZOO_SOURCE);
    config.resolve.alias['@fleetbench/zoo/catalogue$'] = path.join(__dirname, ZOO_CATALOGUE_SOURCE);
    return config;
  },
};

export default nextConfig;
