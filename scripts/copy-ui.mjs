// Copies the dashboard's static files (src/ui/static/*) next to its compiled scripts in dist/ui.
// Run after `tsc -p src/ui/tsconfig.json` as part of `npm run build`.
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'src', 'ui', 'static');
const to = join(root, 'dist', 'ui');
mkdirSync(to, { recursive: true });
cpSync(from, to, { recursive: true });
console.log(`copied ${from} -> ${to}`);
