// Assembles the dashboard in dist/ui: the browser scripts compiled by `tsc -p src/ui/tsconfig.json`
// (into dist/ui-tsc/ui, beside the server types they import as types only) and the static files
// of src/ui/static. Run after that tsc step as part of `npm run build`.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const to = join(root, 'dist', 'ui');
const compiled = join(root, 'dist', 'ui-tsc', 'ui');
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
for (const file of readdirSync(compiled)) {
  if (file.endsWith('.js') || file.endsWith('.js.map')) cpSync(join(compiled, file), join(to, file));
}
cpSync(join(root, 'src', 'ui', 'static'), to, { recursive: true });
console.log(`assembled the dashboard in ${to}`);
