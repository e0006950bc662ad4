/**
 * Bundles the `vmci` binary into dist/ with esbuild: every command is its own chunk (registry.ts
 * imports them lazily), so `vmci --version` loads a few kilobytes. The workspace packages are
 * inside the bundle (devDependencies of @vmci/cli); koffi (native) stays an external runtime
 * dependency and ts-morph (large, only for `vmci codegen`) an external optional peer dependency.
 * The package has no JavaScript API: `vmci` is its only entry point.
 *
 *   pnpm --filter @vmci/cli build          (or: tsx build.ts [--outdir DIR])
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

const packageVersionRead =
  /JSON\.parse\(\s*readFileSync\(new URL\('\.\.\/package\.json', import\.meta\.url\), 'utf8'\),?\s*\)\.version/;

/**
 * Workspace packages read their version from `../package.json` next to `src/`; in a bundle that
 * path points elsewhere, so the build writes each package's version in as a literal.
 */
const inlinePackageVersions: Plugin = {
  name: 'inline-package-versions',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const packageRoot = /^(.*[\\/]packages[\\/][^\\/]+)[\\/]src[\\/]/.exec(args.path)?.[1];
      if (!packageRoot || !packageVersionRead.test(source)) return undefined;
      const manifest = join(packageRoot, 'package.json');
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
      return {
        contents: source.replace(packageVersionRead, JSON.stringify(version)),
        loader: 'ts',
      };
    });
  },
};

export async function buildCli(outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: fileURLToPath(new URL('.', import.meta.url)),
    entryPoints: { bin: 'src/bin.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['koffi', 'ts-morph', ...(process.env.VMCI_BUILD_EXTERNAL?.split(',') ?? [])],
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [inlinePackageVersions],
    // No source maps: they would carry every bundled source (~0.9 MB) into each install, and
    // vmci reports failures as one sentence, not a stack trace.
    sourcemap: false,
    logLevel: 'warning',
  });
}

const invokedDirectly = process.argv[1] === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  await buildCli(values.outdir ?? fileURLToPath(new URL('dist', import.meta.url)));
}
