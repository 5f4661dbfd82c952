import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  ConfigError,
  dataDir,
  loadConfig,
  parseDurationMs,
  parseEnvFile,
  redactUrl,
  requireEncryptionKeys,
} from '../../src/config';

let dir = '';
let emptyEnvFile = '';

const MYSQL_URL = 'mysql://ordersync:s3cret@127.0.0.1:3306/commerce';
const ERP_URL = 'mysql://erp_reader:erp-pass@127.0.0.1:3306/erp';

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ordersync-config-test-'));
  emptyEnvFile = path.join(dir, 'empty.env');
  writeFileSync(emptyEnvFile, '');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** The smallest environment that loads, isolated from the local secrets file. */
function minimalEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ORDERSYNC_MYSQL_URL: MYSQL_URL,
    ORDERSYNC_ERP_MYSQL_URL: ERP_URL,
    ORDERSYNC_ENV_FILE: emptyEnvFile,
    ...extra,
  };
}

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig defaults', () => {
  it('fills every default from a minimal environment', () => {
    const cfg = loadConfig(minimalEnv());
    expect(cfg).toMatchObject({
      ORDERSYNC_TEMPORAL_ADDRESS: '127.0.0.1:7233',
      ORDERSYNC_TEMPORAL_NAMESPACE: 'default',
      ORDERSYNC_TASK_QUEUE: 'ordersync',
      ORDERSYNC_TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      ORDERSYNC_TEMPORAL_TLS: false,
      ORDERSYNC_KAFKA_BROKERS: ['127.0.0.1:9092'],
      ORDERSYNC_KAFKA_CLIENT_ID: 'ordersync',
      ORDERSYNC_KAFKA_SSL: false,
      ORDERSYNC_TOPIC_ONLINE: 'ordersync.online',
      ORDERSYNC_TOPIC_STORE: 'ordersync.store',
      ORDERSYNC_TOPIC_INTERNATIONAL: 'ordersync.international',
      ORDERSYNC_TOPIC_DLQ: 'ordersync.dlq',
      ORDERSYNC_TOPIC_PARTITIONS: 12,
      ORDERSYNC_CONSUMER_GROUP: 'ordersync-consumer',
      ORDERSYNC_SIGNAL_CONCURRENCY: 64,
      ORDERSYNC_MAX_MESSAGE_BYTES: 256 * 1024,
      ORDERSYNC_MYSQL_URL: MYSQL_URL,
      ORDERSYNC_MYSQL_POOL_SIZE: 10,
      ORDERSYNC_ERP_MYSQL_URL: ERP_URL,
      ORDERSYNC_INVOICE_WAIT: 3_600_000,
      ORDERSYNC_IDLE_CLOSE: 86_400_000,
      ORDERSYNC_POLL_PAGE_SIZE: 500,
      ORDERSYNC_SCHEDULE_ID: 'ordersync-erp-poll',
      ORDERSYNC_POLL_BUDGET: 20_000,
    });
  });

  it('leaves optional settings unset and does not read the local secrets file', () => {
    const cfg = loadConfig(minimalEnv());
    expect(cfg.ORDERSYNC_TEMPORAL_API_KEY).toBeUndefined();
    expect(cfg.ORDERSYNC_TEMPORAL_TLS_CERT_FILE).toBeUndefined();
    expect(cfg.ORDERSYNC_KAFKA_SASL_MECHANISM).toBeUndefined();
    expect(cfg.ORDERSYNC_KAFKA_SASL_PASSWORD).toBeUndefined();
    // These are what the local infra's secrets.env provides.
    expect(cfg.ORDERSYNC_MYSQL_MIGRATE_URL).toBeUndefined();
    expect(cfg.ORDERSYNC_ERP_WRITER_URL).toBeUndefined();
  });

  it('returns a frozen object', () => {
    const cfg = loadConfig(minimalEnv());
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Reflect.set(cfg, 'ORDERSYNC_TASK_QUEUE', 'other')).toBe(false);
    expect(() => {
      (cfg as { ORDERSYNC_TASK_QUEUE: string }).ORDERSYNC_TASK_QUEUE = 'other';
    }).toThrow(TypeError);
    expect(cfg.ORDERSYNC_TASK_QUEUE).toBe('ordersync');
  });

  it('does not modify the environment it was given', () => {
    const env = minimalEnv({ ORDERSYNC_TOPIC_PARTITIONS: '6' });
    const before = { ...env };
    loadConfig(env);
    expect(env).toEqual(before);
  });
});

describe('loadConfig parsing', () => {
  it('parses lists, numbers, booleans and durations', () => {
    const cfg = loadConfig(
      minimalEnv({
        ORDERSYNC_KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093',
        ORDERSYNC_TOPIC_PARTITIONS: '6',
        ORDERSYNC_TEMPORAL_TLS: 'yes',
        ORDERSYNC_KAFKA_SSL: '1',
        ORDERSYNC_INVOICE_WAIT: '90s',
        ORDERSYNC_POLL_PAGE_SIZE: '1500',
        ORDERSYNC_IDLE_CLOSE: '7d',
        ORDERSYNC_POLL_BUDGET: '250ms',
      }),
    );
    expect(cfg.ORDERSYNC_KAFKA_BROKERS).toEqual(['kafka-1:9092', 'kafka-2:9093']);
    expect(cfg.ORDERSYNC_TOPIC_PARTITIONS).toBe(6);
    expect(cfg.ORDERSYNC_TEMPORAL_TLS).toBe(true);
    expect(cfg.ORDERSYNC_KAFKA_SSL).toBe(true);
    expect(cfg.ORDERSYNC_INVOICE_WAIT).toBe(90_000);
    expect(cfg.ORDERSYNC_POLL_PAGE_SIZE).toBe(1_500);
    expect(cfg.ORDERSYNC_IDLE_CLOSE).toBe(7 * 86_400_000);
    expect(cfg.ORDERSYNC_POLL_BUDGET).toBe(250);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads the boolean %j as %s', (value, expected) => {
    expect(loadConfig(minimalEnv({ ORDERSYNC_KAFKA_SSL: value })).ORDERSYNC_KAFKA_SSL).toBe(
      expected,
    );
  });

  it.each([
    ['ORDERSYNC_KAFKA_BROKERS', 'nope'],
    ['ORDERSYNC_KAFKA_BROKERS', 'a:1,,b:2'],
    ['ORDERSYNC_KAFKA_BROKERS', 'host:port'],
    ['ORDERSYNC_TOPIC_PARTITIONS', '-1'],
    ['ORDERSYNC_TOPIC_PARTITIONS', '0'],
    ['ORDERSYNC_TOPIC_PARTITIONS', 'twelve'],
    ['ORDERSYNC_MYSQL_POOL_SIZE', '1.5'],
    ['ORDERSYNC_SIGNAL_CONCURRENCY', ''],
    ['ORDERSYNC_MAX_MESSAGE_BYTES', '-5'],
    ['ORDERSYNC_TEMPORAL_ADDRESS', 'localhost'],
    ['ORDERSYNC_TEMPORAL_UI_URL', 'not a url'],
    ['ORDERSYNC_TEMPORAL_TLS', 'maybe'],
    ['ORDERSYNC_KAFKA_SSL', 'TRUE'],
    ['ORDERSYNC_KAFKA_SASL_MECHANISM', 'gssapi'],
    ['ORDERSYNC_MYSQL_URL', 'postgres://u:p@h:5432/db'],
    ['ORDERSYNC_MYSQL_URL', 'not a url'],
    ['ORDERSYNC_ERP_MYSQL_URL', 'http://127.0.0.1:3306/erp'],
    ['ORDERSYNC_MYSQL_MIGRATE_URL', 'nope'],
    ['ORDERSYNC_INVOICE_WAIT', '5 minutes'],
    ['ORDERSYNC_POLL_BUDGET', '-1s'],
    ['ORDERSYNC_TOPIC_DLQ', ''],
  ])('refuses %s=%j with a ConfigError naming it', (name, value) => {
    const err = configError(minimalEnv({ [name]: value }));
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain(name);
    expect(err.variables).toEqual([name]);
  });

  it('reads the ERP URL under its new name first, the old one still', () => {
    const pgUrl = 'postgres://odoo_reader:pw@db.example:5432/odoo';
    expect(loadConfig(minimalEnv({ ORDERSYNC_ERP_URL: pgUrl })).ORDERSYNC_ERP_URL).toBe(pgUrl);
    expect(loadConfig(minimalEnv()).ORDERSYNC_ERP_URL).toBe(ERP_URL);
    const cfg = loadConfig(minimalEnv());
    expect(cfg.ORDERSYNC_ERP_SOURCE).toBe('outbox');
    expect(cfg.ORDERSYNC_ERP_LOOKBACK).toBe(15 * 60_000);
    const err = configError(minimalEnv({ ORDERSYNC_ERP_URL: 'oracle://db:1521/x' }));
    expect(err.variables).toEqual(['ORDERSYNC_ERP_URL']);
  });

  it('needs a mapping directory for the query source, and names it', () => {
    const err = configError(minimalEnv({ ORDERSYNC_ERP_SOURCE: 'query' }));
    expect(err.variables).toEqual(['ORDERSYNC_ERP_MAPPING']);
    const cfg = loadConfig(
      minimalEnv({
        ORDERSYNC_ERP_SOURCE: 'query',
        ORDERSYNC_ERP_MAPPING: 'mappings/odoo',
        ORDERSYNC_ERP_LOOKBACK: '30m',
      }),
    );
    expect(cfg.ORDERSYNC_ERP_LOOKBACK).toBe(30 * 60_000);
    expect(configError(minimalEnv({ ORDERSYNC_ERP_SOURCE: 'csv' })).variables).toEqual([
      'ORDERSYNC_ERP_SOURCE',
    ]);
  });

  it('names a missing required variable and hints that it is unset', () => {
    const env = minimalEnv();
    delete env.ORDERSYNC_ERP_MYSQL_URL;
    const err = configError(env);
    expect(err.variables).toEqual(['ORDERSYNC_ERP_URL']);
    expect(err.message).toMatch(/ORDERSYNC_ERP_URL: .*ORDERSYNC_ERP_MYSQL_URL.*unset/);
  });

  it('reports every bad variable at once', () => {
    const err = configError({
      ORDERSYNC_ENV_FILE: emptyEnvFile,
      ORDERSYNC_KAFKA_BROKERS: 'nope',
      ORDERSYNC_TOPIC_PARTITIONS: '-1',
    });
    expect([...err.variables].sort()).toEqual([
      'ORDERSYNC_ERP_URL',
      'ORDERSYNC_KAFKA_BROKERS',
      'ORDERSYNC_MYSQL_URL',
      'ORDERSYNC_TOPIC_PARTITIONS',
    ]);
    for (const name of err.variables) expect(err.message).toContain(name);
  });

  it('requires the TLS certificate and key together', () => {
    const err = configError(
      minimalEnv({ ORDERSYNC_TEMPORAL_TLS_CERT_FILE: '/etc/tls/client.crt' }),
    );
    expect(err.message).toContain('ORDERSYNC_TEMPORAL_TLS_KEY_FILE');
    expect(err.variables).toContain('ORDERSYNC_TEMPORAL_TLS_CERT_FILE');
    const ok = loadConfig(
      minimalEnv({
        ORDERSYNC_TEMPORAL_TLS_CERT_FILE: '/etc/tls/client.crt',
        ORDERSYNC_TEMPORAL_TLS_KEY_FILE: '/etc/tls/client.key',
      }),
    );
    expect(ok.ORDERSYNC_TEMPORAL_TLS_KEY_FILE).toBe('/etc/tls/client.key');
  });

  it("refuses a poll budget that leaves the last page no time before the poll activity's timeout", () => {
    const err = configError(minimalEnv({ ORDERSYNC_POLL_BUDGET: '2m' }));
    expect(err.variables).toEqual(['ORDERSYNC_POLL_BUDGET']);
    expect(err.message).toContain('120 s timeout');
    expect(() => loadConfig(minimalEnv({ ORDERSYNC_POLL_BUDGET: '91s' }))).toThrow(ConfigError);
    expect(loadConfig(minimalEnv({ ORDERSYNC_POLL_BUDGET: '90s' })).ORDERSYNC_POLL_BUDGET).toBe(
      90_000,
    );
  });

  it('takes a poll re-read period of 0 (off) or at least 100 ms, and leaves it unset by default', () => {
    expect(loadConfig(minimalEnv()).ORDERSYNC_POLL_REREAD).toBeUndefined();
    expect(loadConfig(minimalEnv({ ORDERSYNC_POLL_REREAD: '0' })).ORDERSYNC_POLL_REREAD).toBe(0);
    expect(loadConfig(minimalEnv({ ORDERSYNC_POLL_REREAD: '200ms' })).ORDERSYNC_POLL_REREAD).toBe(
      200,
    );
    const err = configError(minimalEnv({ ORDERSYNC_POLL_REREAD: '5ms' }));
    expect(err.variables).toEqual(['ORDERSYNC_POLL_REREAD']);
    expect(err.message).toContain('use 0 to turn re-reading off');
  });

  it('checks the total rule strictly by default, takes off, and names the variable for anything else', () => {
    expect(loadConfig(minimalEnv()).ORDERSYNC_TOTAL_RULE).toBe('strict');
    expect(loadConfig(minimalEnv({ ORDERSYNC_TOTAL_RULE: 'off' })).ORDERSYNC_TOTAL_RULE).toBe(
      'off',
    );
    const err = configError(minimalEnv({ ORDERSYNC_TOTAL_RULE: 'lenient' }));
    expect(err.variables).toEqual(['ORDERSYNC_TOTAL_RULE']);
  });

  it('requires SASL credentials with a SASL mechanism', () => {
    const err = configError(
      minimalEnv({ ORDERSYNC_KAFKA_SASL_MECHANISM: 'plain', ORDERSYNC_KAFKA_SASL_USERNAME: 'svc' }),
    );
    expect(err.variables).toContain('ORDERSYNC_KAFKA_SASL_PASSWORD');
    expect(err.message).toContain('ORDERSYNC_KAFKA_SASL_PASSWORD');
  });
});

describe('*_FILE indirection and env files', () => {
  it('reads a secret from NAME_FILE, trimming the trailing newline', () => {
    const env = minimalEnv({
      ORDERSYNC_MYSQL_URL_FILE: file('mysql-url', `${MYSQL_URL}\n`),
      ORDERSYNC_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      ORDERSYNC_KAFKA_SASL_USERNAME: 'svc',
      ORDERSYNC_KAFKA_SASL_PASSWORD_FILE: file('sasl-password', '  pa ss\n\n'),
    });
    delete env.ORDERSYNC_MYSQL_URL;
    const cfg = loadConfig(env);
    expect(cfg.ORDERSYNC_MYSQL_URL).toBe(MYSQL_URL);
    expect(cfg.ORDERSYNC_KAFKA_SASL_PASSWORD).toBe('pa ss');
  });

  it('prefers the inline variable over NAME_FILE', () => {
    const cfg = loadConfig(
      minimalEnv({ ORDERSYNC_ERP_MYSQL_URL_FILE: file('erp-url', 'mysql://other@h:3306/x\n') }),
    );
    expect(cfg.ORDERSYNC_ERP_MYSQL_URL).toBe(ERP_URL);
  });

  it('throws a ConfigError naming NAME_FILE when the file cannot be read', () => {
    const env = minimalEnv({ ORDERSYNC_MYSQL_URL_FILE: path.join(dir, 'does-not-exist') });
    delete env.ORDERSYNC_MYSQL_URL;
    const err = configError(env);
    expect(err.variables).toEqual(['ORDERSYNC_MYSQL_URL_FILE']);
    expect(err.message).toContain('ORDERSYNC_MYSQL_URL_FILE');
  });

  it('applies NAME_FILE only to secret variables', () => {
    const cfg = loadConfig(
      minimalEnv({ ORDERSYNC_TOPIC_ONLINE_FILE: file('topic', 'from-file\n') }),
    );
    expect(cfg.ORDERSYNC_TOPIC_ONLINE).toBe('ordersync.online');
  });

  it('reads unset variables from ORDERSYNC_ENV_FILE, the environment winning', () => {
    const envFile = file(
      'settings.env',
      [
        '# local settings',
        '',
        `ORDERSYNC_ERP_MYSQL_URL=${ERP_URL}`,
        'ORDERSYNC_TOPIC_PARTITIONS = 3',
        'ORDERSYNC_TASK_QUEUE=from-file',
        'not a setting',
      ].join('\r\n'),
    );
    const cfg = loadConfig({
      ORDERSYNC_MYSQL_URL: MYSQL_URL,
      ORDERSYNC_ENV_FILE: envFile,
      ORDERSYNC_TASK_QUEUE: 'from-env',
    });
    expect(cfg.ORDERSYNC_ERP_MYSQL_URL).toBe(ERP_URL);
    expect(cfg.ORDERSYNC_TOPIC_PARTITIONS).toBe(3);
    expect(cfg.ORDERSYNC_TASK_QUEUE).toBe('from-env');
  });

  it('throws when ORDERSYNC_ENV_FILE names a missing file', () => {
    const err = configError(minimalEnv({ ORDERSYNC_ENV_FILE: path.join(dir, 'missing.env') }));
    expect(err.variables).toEqual(['ORDERSYNC_ENV_FILE']);
    expect(err.message).toContain('ORDERSYNC_ENV_FILE');
  });

  it('falls back to secrets.env in ORDERSYNC_DATA_DIR', () => {
    const dataDirPath = mkdtempSync(path.join(dir, 'data-'));
    writeFileSync(path.join(dataDirPath, 'secrets.env'), `ORDERSYNC_ERP_MYSQL_URL=${ERP_URL}\n`);
    expect(dataDir({ ORDERSYNC_DATA_DIR: dataDirPath })).toBe(path.resolve(dataDirPath));
    const cfg = loadConfig({ ORDERSYNC_MYSQL_URL: MYSQL_URL, ORDERSYNC_DATA_DIR: dataDirPath });
    expect(cfg.ORDERSYNC_ERP_MYSQL_URL).toBe(ERP_URL);
  });

  it('parseEnvFile ignores comments, blank and malformed lines, and keeps = in values', () => {
    expect(parseEnvFile('# c\n\nA=1\n  B = two words \n=nokey\nnoequals\nC=x=y\n#D=4\n')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x=y',
    });
  });
});

describe('parseDurationMs', () => {
  it.each<[string, number]>([
    ['500ms', 500],
    ['5s', 5_000],
    ['1.5s', 1_500],
    ['10m', 600_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1500', 1_500],
    ['0', 0],
    [' 5s ', 5_000],
    ['0.4ms', 0],
    ['0.5s', 500],
  ])('parses %j as %i ms', (input, expected) => {
    expect(parseDurationMs(input)).toBe(expected);
  });

  it.each(['', 'abc', '-1s', '5 s', '5S', '1e3', '5sec', 's', '1.s', '10w'])(
    'refuses %j',
    (input) => {
      expect(() => parseDurationMs(input)).toThrow(/not a duration/);
    },
  );
});

describe('redactUrl', () => {
  it('hides the password and keeps everything else', () => {
    const out = redactUrl(MYSQL_URL);
    expect(out).not.toContain('s3cret');
    expect(out).toBe('mysql://ordersync:***@127.0.0.1:3306/commerce');
  });

  it('hides encoded passwords and keeps the query string', () => {
    const out = redactUrl('mysql://u:p%40ss%3Aword@db.internal:3306/erp?ssl=true');
    expect(out).not.toMatch(/p%40ss|ss%3Aword|p@ss/);
    expect(out).toBe('mysql://u:***@db.internal:3306/erp?ssl=true');
  });

  it('hides a password given without a user name', () => {
    expect(redactUrl('mysql://:topsecret@h:3306/db')).not.toContain('topsecret');
  });

  it('leaves URLs without a password unchanged', () => {
    expect(redactUrl('mysql://reader@h:3306/db')).toBe('mysql://reader@h:3306/db');
    expect(redactUrl('http://127.0.0.1:8233/')).toBe('http://127.0.0.1:8233/');
  });

  it('never echoes an unparsable URL, which may itself hold a secret', () => {
    expect(redactUrl('//user:secret@host:3306/db')).toBe('<unparsable url>');
    expect(redactUrl('secret password')).toBe('<unparsable url>');
    expect(redactUrl('')).toBe('<unparsable url>');
  });
});

describe('encryption and codec server settings', () => {
  const k1 = Buffer.alloc(32, 1).toString('base64');
  const k2 = Buffer.alloc(32, 2).toString('base64');

  it('parses keyId:base64 entries in order, the first one encrypting', () => {
    const cfg = loadConfig(minimalEnv({ ORDERSYNC_ENCRYPTION_KEYS: `new:${k2}, old:${k1}` }));
    const keys = requireEncryptionKeys(cfg);
    expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(keys[0]!.key.equals(Buffer.alloc(32, 2))).toBe(true);
  });

  it('reads keys one per line from ORDERSYNC_ENCRYPTION_KEYS_FILE', () => {
    const env = minimalEnv({
      ORDERSYNC_ENCRYPTION_KEYS_FILE: file('keys', `2026-11:${k2}\n2026-05:${k1}\n`),
    });
    expect(requireEncryptionKeys(loadConfig(env)).map((k) => k.id)).toEqual(['2026-11', '2026-05']);
  });

  it('names the variable, never the key, when an entry is malformed', () => {
    for (const bad of [`nokey`, `a:${k1.slice(0, 20)}`, `a:${k1},a:${k2}`, `bad id:${k1}`]) {
      const err = configError(minimalEnv({ ORDERSYNC_ENCRYPTION_KEYS: bad }));
      expect(err.variables).toEqual(['ORDERSYNC_ENCRYPTION_KEYS']);
      expect(err.message).not.toContain(k1.slice(0, 20));
    }
  });

  it('requires a key while encryption is on, and allows none when it is off', () => {
    const cfg = loadConfig(minimalEnv());
    expect(cfg.ORDERSYNC_ENCRYPTION).toBe('on');
    expect(() => requireEncryptionKeys(cfg)).toThrow(/ORDERSYNC_ENCRYPTION_KEYS/);
    expect(requireEncryptionKeys(loadConfig(minimalEnv({ ORDERSYNC_ENCRYPTION: 'off' })))).toEqual(
      [],
    );
    expect(configError(minimalEnv({ ORDERSYNC_ENCRYPTION: 'maybe' })).variables).toEqual([
      'ORDERSYNC_ENCRYPTION',
    ]);
  });

  it('defaults the codec server to loopback and the local UI origins', () => {
    const cfg = loadConfig(minimalEnv());
    expect(cfg.ORDERSYNC_CODEC_LISTEN).toBe('127.0.0.1:8234');
    expect(cfg.ORDERSYNC_CODEC_CORS_ORIGINS).toEqual([
      'http://127.0.0.1:8233',
      'http://localhost:8233',
    ]);
    expect(cfg.ORDERSYNC_CODEC_TOKEN).toBeUndefined();
  });

  it('accepts origins only, and a token only from 16 characters', () => {
    const ok = loadConfig(
      minimalEnv({
        ORDERSYNC_CODEC_CORS_ORIGINS: 'https://ui.example.com, https://x.example:8443',
      }),
    );
    expect(ok.ORDERSYNC_CODEC_CORS_ORIGINS).toEqual([
      'https://ui.example.com',
      'https://x.example:8443',
    ]);
    expect(
      configError(minimalEnv({ ORDERSYNC_CODEC_CORS_ORIGINS: 'https://ui.example.com/path' }))
        .variables,
    ).toEqual(['ORDERSYNC_CODEC_CORS_ORIGINS']);
    expect(configError(minimalEnv({ ORDERSYNC_CODEC_TOKEN: 'short' })).variables).toEqual([
      'ORDERSYNC_CODEC_TOKEN',
    ]);
  });
});
