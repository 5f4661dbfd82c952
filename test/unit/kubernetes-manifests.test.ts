import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { buildProgram } from '../../src/cli';
import { envSchema } from '../../src/config';
import { SECRET_VARIABLES } from '../../src/config/env-sources';
import { knownVariables } from '../../src/config/reference';
import { createLogger } from '../../src/log';
import { startObservabilityServer } from '../../src/observability/http-server';
import { createCodecServer } from '../../src/temporal/codec-server';
import { AesGcmPayloadCodec } from '../../src/temporal/encryption-codec';

// The rendered Kubernetes manifests (kustomize, built by `scripts/infra.sh
// install`) checked against the code: variables, commands, probes, alert rules.
const ROOT = path.join(__dirname, '..', '..');
const KUSTOMIZE_VERSION = /^KUSTOMIZE_VERSION=(\S+)$/m.exec(
  readFileSync(path.join(ROOT, 'scripts', 'infra.sh'), 'utf8'),
)![1]!;
const KUSTOMIZE = path.join(
  process.env.ORDERSYNC_CACHE_DIR ?? path.join(homedir(), '.cache', 'ordersync'),
  `kustomize-${KUSTOMIZE_VERSION}`,
  'bin',
  'kustomize',
);
const SECRET = 'ordersync';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  args: string[];
  ports?: { name: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    template?: { spec: { containers: Container[]; terminationGracePeriodSeconds?: number } };
    groups?: unknown;
  };
}

function render(dir: string): Manifest[] {
  let out: string;
  try {
    out = execFileSync(KUSTOMIZE, ['build', path.join(ROOT, 'deploy', 'kubernetes', dir)], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(`${KUSTOMIZE} is missing; run \`npm run infra -- install\``);
    throw new Error(`kustomize build ${dir} failed:\n${e.stderr ?? ''}`);
  }
  return parseAllDocuments(out).map((d) => d.toJS() as Manifest);
}

/** Each container with the variables it gets: its own env and its ConfigMaps' keys. */
function containers(manifests: Manifest[]) {
  const configMaps = new Map(
    manifests.filter((m) => m.kind === 'ConfigMap').map((m) => [m.metadata.name, m.data ?? {}]),
  );
  return manifests.flatMap((m) =>
    (m.spec?.template?.spec.containers ?? []).map((c) => {
      const fromConfig: Record<string, string> = {};
      for (const ref of c.envFrom ?? []) {
        const data = configMaps.get(ref.configMapRef?.name ?? '');
        if (!data)
          throw new Error(
            `${m.metadata.name}: ConfigMap ${ref.configMapRef?.name} is not rendered`,
          );
        Object.assign(fromConfig, data);
      }
      return { workload: m, container: c, fromConfig, env: c.env ?? [] };
    }),
  );
}

const REQUIRED = Object.keys(envSchema.shape).filter(
  (name) => !envSchema.shape[name as keyof typeof envSchema.shape].safeParse(undefined).success,
);
/** Roles that open a Temporal client, which encrypts payloads: they need the keys. */
const TEMPORAL_ROLES = ['worker', 'consumer', 'codec-server', 'schedule'];

describe.each(['base', 'overlays/example'])('kustomize build %s', (dir) => {
  const manifests = render(dir);
  const all = containers(manifests);

  it('renders every workload of the release', () => {
    const names = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    for (const want of [
      'Deployment/ordersync-worker',
      'Deployment/ordersync-consumer',
      'Deployment/ordersync-codec-server',
      'Service/ordersync-codec-server',
      'Job/ordersync-migrate',
      'Job/ordersync-schedule',
      'ServiceMonitor/ordersync',
      'PrometheusRule/ordersync',
    ])
      expect(names).toContain(want);
  });

  it('sets only variables ordersync reads, and every required one, secrets from the Secret', () => {
    const known = knownVariables(buildProgram());
    for (const { workload, container, fromConfig, env } of all) {
      const where = `${workload.metadata.name}/${container.name}`;
      const names = [...Object.keys(fromConfig), ...env.map((e) => e.name)];
      expect(
        names.filter((n) => !known.has(n)),
        `${where}: unknown variables`,
      ).toEqual([]);
      const required = [...REQUIRED];
      if (TEMPORAL_ROLES.includes(container.args[0]!)) required.push('ORDERSYNC_ENCRYPTION_KEYS');
      expect(
        required.filter((n) => !names.includes(n)),
        `${where}: required variables unset`,
      ).toEqual([]);
      for (const e of env) {
        const ref = e.valueFrom?.secretKeyRef;
        if ((SECRET_VARIABLES as readonly string[]).includes(e.name)) {
          expect(ref, `${where}: ${e.name} must come from the Secret`).toEqual(
            expect.objectContaining({ name: SECRET, key: e.name }),
          );
        }
      }
      const secretsInConfig = Object.keys(fromConfig).filter((n) =>
        (SECRET_VARIABLES as readonly string[]).includes(n),
      );
      expect(secretsInConfig, `${where}: secrets in a ConfigMap`).toEqual([]);
    }
  });

  it('runs commands the CLI has', () => {
    const program = buildProgram();
    for (const { container } of all) {
      let cmd = program;
      for (const word of container.args) {
        const sub = cmd.commands.find((c) => c.name() === word);
        expect(sub, `ordersync ${container.args.join(' ')}`).toBeDefined();
        cmd = sub!;
      }
    }
  });

  it('probes the paths and ports the processes serve', async () => {
    const log = createLogger('test');
    const health = await startObservabilityServer({
      address: '127.0.0.1:0',
      log,
      readiness: { always: () => ({ ok: true }) },
    });
    const codec = createCodecServer({
      codec: new AesGcmPayloadCodec([], { encrypt: false }),
      corsOrigins: [],
      token: 'a-token-of-16-characters',
      maxBodyBytes: 1024,
      log,
    });
    await new Promise<void>((r) => codec.listen(0, '127.0.0.1', () => r()));
    const codecUrl = `http://127.0.0.1:${(codec.address() as { port: number }).port}`;
    try {
      for (const { workload, container, fromConfig } of all) {
        const probes = [container.startupProbe, container.readinessProbe, container.livenessProbe]
          .map((p) => p?.httpGet)
          .filter((p) => p !== undefined);
        if (workload.kind === 'Job') continue;
        expect(probes.length, `${workload.metadata.name} has probes`).toBeGreaterThan(0);
        const role = container.args[0];
        const listen =
          role === 'codec-server'
            ? fromConfig.ORDERSYNC_CODEC_LISTEN
            : fromConfig.ORDERSYNC_METRICS_ADDRESS;
        const port = Number(listen?.split(':').pop());
        for (const p of probes) {
          const named = container.ports?.find((x) => x.name === p.port);
          expect(named?.containerPort ?? p.port, `${workload.metadata.name} probe port`).toBe(port);
          const base = role === 'codec-server' ? codecUrl : health!.url;
          const res = await fetch(`${base}${p.path}`);
          expect(res.status, `${workload.metadata.name} ${p.path}`).toBe(200);
        }
        if (workload.kind === 'Deployment' && role !== 'codec-server')
          expect(workload.spec?.template?.spec.terminationGracePeriodSeconds).toBeGreaterThan(10);
      }
    } finally {
      await health?.close();
      await new Promise((r) => codec.close(r));
    }
  });

  it('holds every alert rule of deploy/prometheus/alerts.yml', () => {
    const rule = manifests.find((m) => m.kind === 'PrometheusRule')!;
    const alerts = parse(
      readFileSync(path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8'),
    ) as {
      groups: unknown;
    };
    expect(rule.spec?.groups).toEqual(alerts.groups);
  });
});
