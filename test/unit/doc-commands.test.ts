import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli';
import { envSchema } from '../../src/config';
import { knownVariables } from '../../src/config/reference';

// Every command the README and docs/ show still works as written: each shell
// line, and each `ordersync …` or `npm run …` in the prose, is checked against
// what it names (CLI commands and flags, npm scripts and their flags, files,
// variables and their values). A line this test cannot classify fails it, so a
// new kind of command gets a check before it gets documented.
const ROOT = path.join(__dirname, '..', '..');
const PAGES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
/** Variables the local scripts read (scripts/infra.sh, scripts/ensure.sh), outside the app's config. */
/** The shell scripts behind `npm run infra`, `demo`, `test`, `bench` and `chaos`, which read variables of their own. */
const SCRIPTS_TEXT = ['scripts/ensure.sh', 'scripts/infra.sh', ...listShell('scripts/infra')]
  .map((f) => readFileSync(path.join(ROOT, f), 'utf8'))
  .join('\n');

function listShell(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.sh'))
    .map((f) => `${dir}/${f}`);
}

/** Why `NAME=value` would not be read as meant, or undefined. */
function assignmentProblem(assignment: string): string | undefined {
  const [name, value] = [assignment.split('=')[0]!, assignment.slice(assignment.indexOf('=') + 1)];
  if (new RegExp(`\\$\\{?${name}\\b`).test(SCRIPTS_TEXT)) return undefined;
  if (!knownVariables(buildProgram()).has(name)) return `ordersync reads no ${name}`;
  const schema = envSchema.shape[name as keyof typeof envSchema.shape];
  if (schema && !value.includes('$(') && !schema.safeParse(value).success)
    return `${name}=${value} is invalid`;
  return undefined;
}

function shellLines(page: string): string[] {
  const text = readFileSync(path.join(ROOT, page), 'utf8');
  return [...text.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.split('\n'))
    .map((l) => l.replace(/\s+#\s.*$/, '').trim())
    .filter((l) => l !== '');
}

function proseCommands(page: string): string[] {
  const text = readFileSync(path.join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/`((?:npx |node bin\/)?ordersync [^`]+|npm run [^`]+)`/g)].map(
    (m) => m[1]!,
  );
}

/** Parses argv with the real CLI but stops before any action runs; returns the error, if any. */
async function cliError(args: string[]): Promise<string | undefined> {
  const program = buildProgram();
  const quiet = (c: Command) => {
    c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    c.commands.forEach(quiet);
  };
  quiet(program);
  class Parsed extends Error {}
  program.hook('preAction', () => {
    throw new Parsed();
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return undefined;
  } catch (err) {
    if (err instanceof Parsed) return undefined;
    if (err instanceof CommanderError && /help/.test(err.code)) return undefined;
    return (err as Error).message;
  }
}

/** Shell words (quotes kept together); angle-bracket words such as `<orderId>` stand for a value. */
function words(line: string): string[] {
  const text = line
    .replace(/<[^>]+>/g, 'x')
    .replace(/\s*\[[^\]]*\]/g, '')
    .replace(/…/g, '');
  return [...text.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Prose names a command and its flags without values: check that they exist. */
function cliReference(args: string[]): string | undefined {
  let cmd: Command = buildProgram();
  const path: string[] = [];
  for (const a of args) {
    const sub = cmd.commands.find((c) => c.name() === a);
    if (!sub) break;
    cmd = sub;
    path.push(a);
  }
  // `help` and `--help` are commander's own.
  if (path.length === 0 && !['x', 'help', '--help'].includes(args[0]!))
    return `ordersync has no command ${args[0]}`;
  const flags = args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!);
  const unknown = flags.filter((f) => f !== '--help' && !cmd.options.some((o) => o.long === f));
  return unknown.length ? `ordersync ${path.join(' ')} has no ${unknown.join(', ')}` : undefined;
}

const helpCache = new Map<string, string>();
function scriptHelp(script: string): string {
  if (!helpCache.has(script)) {
    const file = /node --import tsx (\S+\.ts)/.exec(pkg.scripts[script] ?? '')?.[1];
    if (!file) throw new Error(`npm run ${script} has no TypeScript entry to ask for --help`);
    helpCache.set(
      script,
      execFileSync(process.execPath, ['--import', 'tsx', file, '--help'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    );
  }
  return helpCache.get(script)!;
}

/** Why the line would not work as written, or undefined. */
async function problem(line: string, prose: boolean): Promise<string | undefined> {
  // Leading `NAME=value` words set the environment of the command after them.
  const lead = /^(?:[A-Z][A-Z0-9_]*=\S*\s+)+/.exec(line)?.[0];
  if (lead) {
    const bad = lead.trim().split(/\s+/).map(assignmentProblem).find(Boolean);
    return bad ?? problem(line.slice(lead.length), prose);
  }
  const w = words(line);
  const ordersync = ['npx ordersync', 'node bin/ordersync', 'ordersync'].find((p) =>
    line.startsWith(`${p} `),
  );
  if (prose && ordersync) return cliReference(w.slice(ordersync.split(' ').length));
  const [cmd, sub] = w;
  if (cmd === 'npm' && sub === 'test') return undefined;
  if (cmd === 'npm' && sub === 'run') {
    const script = w[2]!;
    if (!(script in pkg.scripts)) return `no npm script ${script}`;
    const extra = w.slice(w.indexOf('--') + 1);
    if (!w.includes('--')) return undefined;
    if (script === 'infra')
      return /^\s+(install|up|status|down|reset)\)/m.test(`  ${extra[0]})`)
        ? undefined
        : `infra has no ${extra[0]}`;
    if (script === 'demo' || script === 'ordersync')
      return cliError([...(script === 'demo' ? ['demo'] : []), ...extra]);
    const help = scriptHelp(script);
    const unknown = extra.filter((a) => a.startsWith('--') && !help.includes(a.split('=')[0]!));
    return unknown.length ? `npm run ${script} has no ${unknown.join(', ')}` : undefined;
  }
  if (cmd === 'npx' && sub === 'ordersync') return cliError(w.slice(2));
  if (cmd === 'ordersync') return cliError(w.slice(1));
  if (cmd === 'node' && sub === 'bin/ordersync') return cliError(w.slice(2));
  if (cmd === 'node' && sub === '--import') {
    const file = w[3]!;
    return existsSync(path.join(ROOT, file)) ? undefined : `${file} does not exist`;
  }
  if (cmd === 'export') return assignmentProblem(w[1]!);
  if (cmd === 'docker' && sub === 'build')
    return existsSync(path.join(ROOT, 'Dockerfile')) ? undefined : 'no Dockerfile';
  if (cmd === 'docker' && sub === 'run') {
    const image = w.findIndex((a, i) => i > 1 && !a.startsWith('-') && !w[i - 1]!.startsWith('-'));
    return cliError(w.slice(image + 1));
  }
  if (cmd === 'docker' && sub === 'compose') {
    const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    }) as {
      services: Record<string, { profiles?: string[] }>;
    };
    const profile = w[w.indexOf('--profile') + 1];
    if (
      w.includes('--profile') &&
      !Object.values(compose.services).some((s) => s.profiles?.includes(profile!))
    )
      return `docker-compose.yml has no profile ${profile}`;
    return undefined;
  }
  if (cmd === 'kubectl' && w.includes('-k')) {
    const dir = w[w.indexOf('-k') + 1]!;
    return existsSync(path.join(ROOT, dir, 'kustomization.yaml'))
      ? undefined
      : `${dir} has no kustomization.yaml`;
  }
  if (cmd === 'kubectl' && w.includes('create')) return undefined;
  return 'this test does not know how to check it';
}

describe.each(PAGES)('commands in %s', (page) => {
  it('work as written', async () => {
    const problems: string[] = [];
    for (const [line, prose] of [
      ...shellLines(page).map((l) => [l, false] as const),
      ...proseCommands(page).map((l) => [l, true] as const),
    ]) {
      const p = await problem(line, prose);
      if (p) problems.push(`${line}: ${p}`);
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('link to files and headings that exist', () => {
    const text = readFileSync(path.join(ROOT, page), 'utf8');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^https?:/.test(target!)) continue;
      const [file, anchor] = target!.split('#');
      const resolved = file ? path.join(ROOT, path.dirname(page), file) : path.join(ROOT, page);
      if (!existsSync(resolved)) {
        broken.push(target!);
        continue;
      }
      if (anchor && resolved.endsWith('.md')) {
        const slugs = [...readFileSync(resolved, 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) =>
          m[1]!
            .toLowerCase()
            .replace(/[^\w\s-]/g, '')
            .trim()
            .replace(/\s/g, '-'),
        );
        if (!slugs.includes(anchor)) broken.push(target!);
      }
    }
    expect(broken).toEqual([]);
  });
});
