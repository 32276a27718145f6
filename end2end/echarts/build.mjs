// Bundles echarts/opsdeck.mjs into one minified script (window.echarts):
//   node echarts/build.mjs OUT_FILE
// Run by scripts/lib.sh (ensure_echarts); esbuild and echarts are pinned in
// end2end/package.json. Opsdeck's pages are English, so ECharts' Chinese
// strings are replaced by its English ones (a browser set to Chinese still
// gets a working chart, with English month names).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node echarts/build.mjs OUT_FILE');
  process.exit(2);
}

const englishOnly = {
  name: 'english-only',
  setup(b) {
    b.onResolve({ filter: /[\\/]i18n[\\/]langZH\.js$/ }, (args) => ({
      path: path.join(path.dirname(path.join(args.resolveDir, args.path)), 'langEN.js'),
    }));
  },
};

await build({
  entryPoints: [path.join(here, 'opsdeck.mjs')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  charset: 'utf8',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [englishOnly],
  outfile: out,
  logLevel: 'warning',
});
