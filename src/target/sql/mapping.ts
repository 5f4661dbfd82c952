/**
 * A target mapping directory: one file per statement, each statement's named
 * parameters checked against the contract when it is loaded, so a mistyped
 * name fails start-up and says where (file, line, column).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { TargetMappingError } from '../target-errors';
import type { FieldKind, Scope } from './contract-fields';
import { SCOPES, kindOf } from './contract-fields';
import { parseNamedStatements } from './named-params';

/** The mapping's files: the scope their parameters come from, and whether one is required. */
export const MAPPING_FILES = {
  'upsert_order.sql': { scope: 'order', required: true },
  'delete_lines.sql': { scope: 'order', required: false },
  'replace_lines.sql': { scope: 'line', required: true },
  'insert_invoice.sql': { scope: 'invoice', required: true },
  'insert_credit_note.sql': { scope: 'invoice', required: false },
  'read_order.sql': { scope: 'key', required: true },
} as const satisfies Record<string, { scope: Scope; required: boolean }>;
export type MappingFile = keyof typeof MAPPING_FILES;

export interface MappedStatement {
  file: MappingFile;
  /** Line of the file the statement starts on. */
  line: number;
  /** The statement with `?` for every parameter. */
  sql: string;
  params: Array<{ name: string; kind: FieldKind }>;
}

export interface Mapping {
  dir: string;
  statements: Record<MappingFile, MappedStatement[]>;
}

const isMappingFile = (f: string): f is MappingFile => f in MAPPING_FILES;

/** Loads and checks a mapping directory; throws TargetMappingError naming the file at fault. */
export function loadMapping(dir: string): Mapping {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new TargetMappingError(`target mapping directory ${dir} does not exist`, dir);
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.sql') && !isMappingFile(f))
      throw new TargetMappingError(
        `${path.join(dir, f)}: not a mapping file (expected ${Object.keys(MAPPING_FILES).join(', ')})`,
        f,
      );
  }
  const statements = {} as Record<MappingFile, MappedStatement[]>;
  for (const [file, { scope, required }] of Object.entries(MAPPING_FILES) as Array<
    [MappingFile, { scope: Scope; required: boolean }]
  >) {
    const full = path.join(dir, file);
    if (!existsSync(full)) {
      if (required) throw new TargetMappingError(`${full}: missing (required)`, file);
      statements[file] = [];
      continue;
    }
    let parsed;
    try {
      parsed = parseNamedStatements(readFileSync(full, 'utf8'));
    } catch (err) {
      throw new TargetMappingError(`${full}:${(err as Error).message}`, file);
    }
    if (parsed.length === 0) throw new TargetMappingError(`${full}: no statement`, file);
    const fields = SCOPES[scope]();
    statements[file] = parsed.map((st) => ({
      file,
      line: st.line,
      sql: st.sql,
      params: st.params.map((p) => {
        const kind = kindOf(fields, p.name);
        if (!kind)
          throw new TargetMappingError(
            `${full}:${p.line}:${p.column}: unknown parameter :${p.name} (not a contract field in ${scope} scope)`,
            file,
          );
        return { name: p.name, kind };
      }),
    }));
  }
  return { dir, statements };
}
