import { describe, expect, it } from 'vitest';
import { MissingSqlParameterError, bindNamed } from '../../src/erp/sql/client';
import { withUtcSessions } from '../../src/erp/sql/pg-client';

describe('bindNamed', () => {
  it('binds named parameters positionally for each dialect, lists expanded', () => {
    const sql = 'SELECT * FROM t WHERE a > :since AND id IN (:ids) LIMIT :limit';
    const params = { since: '2026-01-01', ids: ['x', 'y'], limit: 5 };
    expect(bindNamed(sql, params, 'mysql')).toEqual({
      text: 'SELECT * FROM t WHERE a > ? AND id IN (?, ?) LIMIT ?',
      values: ['2026-01-01', 'x', 'y', 5],
    });
    expect(bindNamed(sql, params, 'postgres').text).toBe(
      'SELECT * FROM t WHERE a > $1 AND id IN ($2, $3) LIMIT $4',
    );
  });

  it('leaves strings, quoted identifiers, comments and casts alone', () => {
    const sql =
      'SELECT \':no\' AS a, `:no` AS b, "x:no" AS c, v::text -- :no\n/* :no */ FROM t WHERE x = :yes';
    const { text, values } = bindNamed(sql, { yes: 1 }, 'postgres');
    expect(text).toBe(
      'SELECT \':no\' AS a, `:no` AS b, "x:no" AS c, v::text -- :no\n/* :no */ FROM t WHERE x = $1',
    );
    expect(values).toEqual([1]);
  });

  it('binds one NULL for an empty list, so IN () matches nothing', () => {
    expect(bindNamed('x IN (:ids)', { ids: [] }, 'mysql')).toEqual({
      text: 'x IN (?)',
      values: [null],
    });
  });

  it('refuses a parameter that was not given, naming it', () => {
    expect(() => bindNamed('x = :missing', {}, 'mysql')).toThrow(MissingSqlParameterError);
    expect(() => bindNamed('x = :missing', {}, 'mysql')).toThrow(/:missing/);
  });

  it('never splices a value into the text', () => {
    const evil = "'; DROP TABLE t; --";
    const { text, values } = bindNamed('x = :v', { v: evil }, 'mysql');
    expect(text).toBe('x = ?');
    expect(values).toEqual([evil]);
  });
});

describe('withUtcSessions', () => {
  it('keeps a URL without options as it is and runs its sessions in UTC', () => {
    expect(withUtcSessions('postgres://r:pw@erp-db:5432/odoo')).toEqual({
      connectionString: 'postgres://r:pw@erp-db:5432/odoo',
      options: '-c TimeZone=UTC',
    });
  });

  it("keeps the URL's own options, UTC last, and leaves its other parameters", () => {
    const got = withUtcSessions(
      'postgres://r:pw@erp-db:5432/odoo?sslmode=require&options=-c%20search_path%3Derp',
    );
    expect(got.options).toBe('-c search_path=erp -c TimeZone=UTC');
    expect(got.connectionString).toBe('postgres://r:pw@erp-db:5432/odoo?sslmode=require');
  });
});
