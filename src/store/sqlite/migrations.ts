/**
 * @module store/sqlite/migrations
 * Versioned SQL migrations read from the repo's `migrations/` folder and applied in version
 * order, each once, in its own transaction, recorded in `schema_migrations`.
 *
 * File names are `NNN_name.sql` (every engine) or `NNN_name.<dialect>.sql` (one engine only,
 * e.g. `002_decisions_append_only.sqlite.sql`). A version number is unique among the files one
 * engine applies, so SQLite and PostgreSQL may each have their own `002_…`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { HomeostatError } from '../../errors.js';

/** The engines a migration file may be restricted to. */
export type MigrationDialect = 'sqlite' | 'postgres';

/** One migration file, parsed. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const FILE_NAME = /^(\d+)_([a-z0-9_]+)(?:\.(sqlite|postgres))?\.sql$/;

/**
 * Reads the migrations of `dialect` from `dir`, sorted by version.
 * Files that do not match `NNN_name[.dialect].sql` are ignored.
 * @throws HomeostatError('internal') if two applicable files share a version or the folder is unreadable.
 */
export function readMigrations(dir: string, dialect: MigrationDialect): Migration[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (cause) {
    throw new HomeostatError('internal', `cannot read migrations folder ${dir}`, { cause });
  }
  const byVersion = new Map<number, Migration>();
  for (const file of files.sort()) {
    const match = FILE_NAME.exec(file);
    if (match === null) continue;
    const [, digits, name, only] = match;
    if (only !== undefined && only !== dialect) continue;
    const version = Number(digits);
    const earlier = byVersion.get(version);
    if (earlier !== undefined) {
      throw new HomeostatError('internal', `migration version ${version} is used twice in ${dir} (${earlier.name} and ${name ?? file})`);
    }
    byVersion.set(version, { version, name: name ?? file, sql: readFileSync(join(dir, file), 'utf8') });
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in version order, each in its
 * own transaction (a failing migration leaves the schema at the previous version).
 * Synchronous: better-sqlite3 is, and the caller holds the connection.
 * @returns the versions applied now (empty when up to date).
 */
export function applyMigrations(db: BetterSqlite3.Database, migrations: readonly Migration[], nowMs: number): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  const rows = db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
  const applied = new Set(rows.map((row) => row.version));
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        record.run(migration.version, migration.name, nowMs);
      })();
    } catch (cause) {
      throw new HomeostatError('internal', `migration ${migration.version}_${migration.name} failed: ${(cause as Error).message}`, {
        cause,
      });
    }
    done.push(migration.version);
  }
  return done;
}
