package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// schemaVersion is the version of the layout below. Open migrates older databases to it and
// refuses newer ones.
//
// Version 0 is the layout of the former sqlitestore package (every object one JSON
// document); Open imports such a database in place. Version 1 is the column layout
// (schemaV1); version 2 adds the record table (schemaV2).
const schemaVersion = 2

// meta rows: owner "store" holds the store's own bookkeeping (schema_version), owner "app"
// the values of Store.Meta, so that the two never collide.
const (
	metaStore = "store"
	metaApp   = "app"
)

// schemaV1 creates the version 1 tables. Keys are (account, region, namespace, resource_id,
// dimension[, name]); seq (AUTOINCREMENT: never reused, even after deletes) orders lists
// and is what pagination tokens point at. Times are unix microseconds, UTC.
const schemaV1 = `
CREATE TABLE targets (
	seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
	account             TEXT NOT NULL,
	region              TEXT NOT NULL,
	namespace           TEXT NOT NULL,
	resource_id         TEXT NOT NULL,
	dimension           TEXT NOT NULL,
	id                  TEXT NOT NULL,
	resource_uuid       TEXT NOT NULL,
	resource_type       TEXT NOT NULL,
	min_capacity        INTEGER NOT NULL,
	max_capacity        INTEGER NOT NULL,
	role_arn            TEXT NOT NULL,
	scale_in_suspended  INTEGER NOT NULL,
	scale_out_suspended INTEGER NOT NULL,
	scheduled_suspended INTEGER NOT NULL,
	creation_time       INTEGER NOT NULL,
	tags                TEXT, -- JSON object; NULL when there are none
	UNIQUE (account, region, namespace, resource_id, dimension)
);
CREATE INDEX targets_id ON targets (account, region, id);
CREATE INDEX targets_namespace_seq ON targets (account, region, namespace, seq);

-- Targets per resource type, kept by InsertTarget and DeleteTarget, so that the quota check
-- of every registration does not count rows.
CREATE TABLE target_counts (
	account       TEXT NOT NULL,
	region        TEXT NOT NULL,
	namespace     TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	n             INTEGER NOT NULL,
	PRIMARY KEY (account, region, namespace, resource_type)
) WITHOUT ROWID;

CREATE TABLE policies (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	account         TEXT NOT NULL,
	region          TEXT NOT NULL,
	namespace       TEXT NOT NULL,
	resource_id     TEXT NOT NULL,
	dimension       TEXT NOT NULL,
	name            TEXT NOT NULL,
	arn             TEXT NOT NULL,
	policy_type     TEXT NOT NULL,
	step_scaling    TEXT, -- JSON; NULL when absent
	target_tracking TEXT, -- JSON; NULL when absent
	alarms          TEXT, -- JSON array; NULL when there are none
	creation_time   INTEGER NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension, name),
	FOREIGN KEY (account, region, namespace, resource_id, dimension)
		REFERENCES targets (account, region, namespace, resource_id, dimension) ON DELETE CASCADE
);
CREATE INDEX policies_namespace_seq ON policies (account, region, namespace, seq);

CREATE TABLE scheduled_actions (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	account       TEXT NOT NULL,
	region        TEXT NOT NULL,
	namespace     TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	dimension     TEXT NOT NULL,
	name          TEXT NOT NULL,
	arn           TEXT NOT NULL,
	schedule      TEXT NOT NULL,
	timezone      TEXT,
	start_time    INTEGER,
	end_time      INTEGER,
	min_capacity  INTEGER,
	max_capacity  INTEGER,
	creation_time INTEGER NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension, name),
	FOREIGN KEY (account, region, namespace, resource_id, dimension)
		REFERENCES targets (account, region, namespace, resource_id, dimension) ON DELETE CASCADE
);
CREATE INDEX scheduled_actions_namespace_seq ON scheduled_actions (account, region, namespace, seq);

-- Activities are history: no foreign key, they outlive their target.
CREATE TABLE activities (
	seq                INTEGER PRIMARY KEY AUTOINCREMENT,
	account            TEXT NOT NULL,
	region             TEXT NOT NULL,
	namespace          TEXT NOT NULL,
	resource_id        TEXT NOT NULL,
	dimension          TEXT NOT NULL,
	activity_id        TEXT NOT NULL,
	description        TEXT NOT NULL,
	cause              TEXT NOT NULL,
	start_time         INTEGER NOT NULL,
	end_time           INTEGER,
	status_code        TEXT NOT NULL,
	status_message     TEXT NOT NULL,
	details            TEXT NOT NULL,
	not_scaled_reasons TEXT -- JSON array; NULL when the activity scaled
);
CREATE INDEX activities_namespace_seq ON activities (account, region, namespace, seq);
CREATE INDEX activities_resource_seq ON activities (account, region, namespace, resource_id, seq);
CREATE INDEX activities_start_time ON activities (start_time);
`

// schemaV2 adds the record table (store.Record). Keys compare byte-wise: the BINARY
// collation is memcmp, and keys are bound as TEXT without any conversion, so bytes that are
// not UTF-8 keep their place. A rowid table with the key's unique index rather than
// WITHOUT ROWID, because values (alarm state, emulated resources) can be far larger than the
// small rows WITHOUT ROWID suits.
const schemaV2 = `
CREATE TABLE records (
	key   TEXT NOT NULL COLLATE BINARY PRIMARY KEY,
	value BLOB NOT NULL
);
`

const sqlCreateMeta = `CREATE TABLE IF NOT EXISTS meta (
	owner TEXT NOT NULL,
	key   TEXT NOT NULL,
	value BLOB NOT NULL,
	PRIMARY KEY (owner, key)
) WITHOUT ROWID`

const (
	sqlGetMeta = `SELECT value FROM meta WHERE owner = ? AND key = ?`
	sqlPutMeta = `INSERT INTO meta (owner, key, value) VALUES (?, ?, ?)`
	sqlSetMeta = `INSERT INTO meta (owner, key, value) VALUES (?, ?, ?) ON CONFLICT (owner, key) DO UPDATE SET value = excluded.value`
)

// legacyTables are the tables of the former layout, renamed to legacy_<name> for the import.
var legacyTables = []string{"meta", "targets", "target_counts", "policies", "scheduled_actions", "activities"}

// migrate brings the database to schemaVersion, in one transaction.
func (s *Store) migrate(ctx context.Context) (err error) {
	c := s.conn
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = c.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	legacy, err := s.isLegacy(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if legacy {
		for _, name := range legacyTables {
			if ok, err := tableExists(ctx, c, name); err != nil {
				return fmt.Errorf("migrate: %w", err)
			} else if ok {
				if _, err := c.ExecContext(ctx, "ALTER TABLE "+name+" RENAME TO legacy_"+name); err != nil {
					return fmt.Errorf("migrate: %w", err)
				}
			}
		}
	}
	if _, err := c.ExecContext(ctx, sqlCreateMeta); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	version := 0
	var v []byte
	switch err := c.QueryRowContext(ctx, sqlGetMeta, metaStore, "schema_version").Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("migrate: read schema version: %w", err)
	default:
		if version, err = strconv.Atoi(string(v)); err != nil {
			return fmt.Errorf("migrate: bad schema version %q", v)
		}
	}
	switch {
	case version == schemaVersion:
		_, err := c.ExecContext(ctx, "COMMIT")
		return err
	case version > schemaVersion:
		return fmt.Errorf("database schema version %d is newer than this program supports (%d)", version, schemaVersion)
	}
	// Each step brings the database from one version to the next.
	if version < 1 {
		// A new database, or one of the former layout (now in legacy_* tables).
		if _, err := c.ExecContext(ctx, schemaV1); err != nil {
			return fmt.Errorf("migrate: create schema: %w", err)
		}
		if legacy {
			if err := s.importLegacy(ctx); err != nil {
				return fmt.Errorf("migrate: import the former layout: %w", err)
			}
		}
	}
	if version < 2 {
		if _, err := c.ExecContext(ctx, schemaV2); err != nil {
			return fmt.Errorf("migrate: to version 2: %w", err)
		}
	}
	if _, err := c.ExecContext(ctx, sqlSetMeta, metaStore, "schema_version", []byte(strconv.Itoa(schemaVersion))); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	s.log.Info("sqlite store: schema migrated", "path", s.path, "from_version", version, "version", schemaVersion, "imported_former_layout", legacy)
	return nil
}

// isLegacy reports whether the database has the former layout: a meta table without owner.
func (s *Store) isLegacy(ctx context.Context) (bool, error) {
	var tables, owner int
	err := s.conn.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'),
		(SELECT count(*) FROM pragma_table_info('meta') WHERE name = 'owner')`).Scan(&tables, &owner)
	return tables == 1 && owner == 0, err
}

func tableExists(ctx context.Context, c *sql.Conn, name string) (bool, error) {
	var n int
	err := c.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return n > 0, err
}

// importLegacy copies the former layout's rows (seq and a JSON document of the object) from
// the legacy_* tables into the new ones, keeping every seq and each table's AUTOINCREMENT
// high-water mark, rebuilds the target counts, and drops the legacy tables. Policies and
// scheduled actions whose target is gone are dropped (the former layout did not enforce
// that). It runs inside migrate's transaction.
func (s *Store) importLegacy(ctx context.Context) error {
	c := s.conn
	if ok, err := tableExists(ctx, c, "legacy_meta"); err != nil {
		return err
	} else if ok {
		if _, err := c.ExecContext(ctx, `INSERT INTO meta (owner, key, value) SELECT ?, key, value FROM legacy_meta`, metaApp); err != nil {
			return fmt.Errorf("meta: %w", err)
		}
	}
	type table struct {
		name string
		put  func(seq int64, data []byte) error
	}
	exec := func(q string, args []any, err error) error {
		if err != nil {
			return err
		}
		_, err = c.ExecContext(ctx, q, args...)
		return err
	}
	tables := []table{
		{"targets", func(seq int64, data []byte) error {
			var t autoscaling.ScalableTarget
			if err := json.Unmarshal(data, &t); err != nil {
				return err
			}
			args, err := insertTargetArgs(seq, &t)
			return exec(sqlInsertTarget, args, err)
		}},
		{"policies", func(seq int64, data []byte) error {
			var p autoscaling.ScalingPolicy
			if err := json.Unmarshal(data, &p); err != nil {
				return err
			}
			args, err := insertPolicyArgs(seq, &p)
			return exec(sqlInsertPolicy, args, err)
		}},
		{"scheduled_actions", func(seq int64, data []byte) error {
			var a autoscaling.ScheduledAction
			if err := json.Unmarshal(data, &a); err != nil {
				return err
			}
			return exec(sqlInsertAction, insertActionArgs(seq, &a), nil)
		}},
		{"activities", func(seq int64, data []byte) error {
			var a autoscaling.ScalingActivity
			if err := json.Unmarshal(data, &a); err != nil {
				return err
			}
			args, err := insertActivityArgs(seq, &a)
			return exec(sqlInsertActivity, args, err)
		}},
	}
	for _, tb := range tables {
		legacy := "legacy_" + tb.name
		if ok, err := tableExists(ctx, c, legacy); err != nil {
			return err
		} else if !ok {
			continue
		}
		rows, err := c.QueryContext(ctx, "SELECT seq, data FROM "+legacy+" ORDER BY seq")
		if err != nil {
			return fmt.Errorf("%s: %w", legacy, err)
		}
		type row struct {
			seq  int64
			data []byte
		}
		var all []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.seq, &r.data); err != nil {
				rows.Close()
				return fmt.Errorf("%s: %w", legacy, err)
			}
			all = append(all, r)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("%s: %w", legacy, err)
		}
		orphans := 0
		for _, r := range all {
			if err := tb.put(r.seq, r.data); isForeignKey(err) {
				orphans++
			} else if err != nil {
				return fmt.Errorf("%s seq %d: %w", legacy, r.seq, err)
			}
		}
		if orphans > 0 {
			s.log.Warn("sqlite store: dropped rows of deleted targets while importing", "table", tb.name, "rows", orphans)
		}
		// Keep the high-water mark, so that no seq is ever handed out twice.
		if _, err := c.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq)
			SELECT ?, 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)`, tb.name, tb.name); err != nil {
			return fmt.Errorf("%s: sequence: %w", tb.name, err)
		}
		if _, err := c.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = max(seq,
			COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)) WHERE name = ?`, legacy, tb.name); err != nil {
			return fmt.Errorf("%s: sequence: %w", tb.name, err)
		}
		s.log.Info("sqlite store: imported", "table", tb.name, "rows", len(all)-orphans)
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO target_counts (account, region, namespace, resource_type, n)
		SELECT account, region, namespace, resource_type, count(*) FROM targets GROUP BY 1, 2, 3, 4`); err != nil {
		return fmt.Errorf("target counts: %w", err)
	}
	for _, name := range legacyTables {
		if _, err := c.ExecContext(ctx, "DROP TABLE IF EXISTS legacy_"+name); err != nil {
			return err
		}
	}
	return nil
}
