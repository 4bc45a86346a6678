/**
 * @module cli/args
 * A small, strict flag parser for the `homeostat` command: `--name value`, `--name=value`,
 * booleans as `--flag` / `--no-flag`. Unknown flags and bad values are errors that say what was
 * expected and what was received.
 */
import { describe, invalid } from '../errors.js';

/** One flag a command accepts. */
export interface FlagSpec {
  readonly name: string;
  readonly type: 'string' | 'number' | 'boolean' | 'duration';
  readonly description: string;
  /** Shown in help; applied by the command's config layering, not here. */
  readonly defaultText?: string;
  /** Environment variable that sets it (shown in help). */
  readonly env?: string;
}

/** Parsed flags by name, and the positional arguments. */
export interface ParsedArgs {
  readonly flags: Readonly<Record<string, string | number | boolean>>;
  readonly positional: readonly string[];
  readonly help: boolean;
}

/**
 * Parses a duration like `90s`, `15m`, `6h`, `2d` (or a bare number of milliseconds) into ms.
 * @example parseDuration('24h') // 86400000
 */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw invalid(`${what} must be a duration like 90s, 15m, 6h or 2d (got ${describe(text)})`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1;
  return Math.round(n * factor);
}

/** Parses argv against the specs. `--help`/`-h` sets `help`. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags: Record<string, string | number | boolean> = {};
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    let spec = byName.get(name);
    if (spec === undefined && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'boolean') {
      name = name.slice(3);
      spec = byName.get(name);
      inline = 'false';
    }
    if (spec === undefined) {
      const known = specs.map((s) => `--${s.name}`).join(', ');
      throw invalid(`${command}: unknown flag --${name} (expected one of: ${known || 'none'}; see ${command} --help)`);
    }
    if (spec.type === 'boolean') {
      if (inline === undefined) flags[name] = true;
      else if (inline === 'true' || inline === 'false') flags[name] = inline === 'true';
      else throw invalid(`${command}: --${name} takes true or false (got ${describe(inline)})`);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw invalid(`${command}: --${name} needs a value (${spec.type})`);
    flags[name] = convert(value, spec, command);
  }
  return { flags, positional, help };
}

/** Converts one flag or environment value to its type. */
export function convert(value: string, spec: FlagSpec, command: string): string | number | boolean {
  switch (spec.type) {
    case 'string':
      return value;
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(value)) return true;
      if (/^(0|false|no|off)$/i.test(value)) return false;
      throw invalid(`${command}: ${spec.name} takes true or false (got ${describe(value)})`);
    case 'number': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw invalid(`${command}: --${spec.name} must be a number (got ${describe(value)})`);
      return n;
    }
    case 'duration':
      return parseDuration(value, `${command}: --${spec.name}`);
  }
}

/** Help text for a command. */
export function helpText(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.type === 'boolean' ? '' : ` <${s.type}>`}`;
    const extra = [s.defaultText ? `default ${s.defaultText}` : '', s.env ? `env ${s.env}` : ''].filter(Boolean).join('; ');
    return `${left.padEnd(30)} ${s.description}${extra ? ` (${extra})` : ''}`;
  });
  return `${summary}\n\nUsage: ${usage}\n\nOptions:\n${rows.join('\n')}\n  --help${' '.repeat(24)} show this help\n`;
}
