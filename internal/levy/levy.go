// Package levy is the employers' side of employment (issue #7): the
// employer registry (用人单位), the annual quota-employment review
// (按比例安排残疾人就业年审) and the employment security fund levy
// (残疾人就业保障金, 残保金). RULES.md §4 is the source of every rule.
//
// The levy is computed by Calculate, a pure function over exact rationals
// that returns each step in Chinese beside the amount; everything else
// (declarations, review, export, figures) feeds it and keeps its result.
//
// A declaration belongs to the collection year Y (征收年度) and carries the
// figures of the previous year's employment (Y−1), as the review does.
package levy

import "github.com/yangguang-cdpf/yangguang/internal/store"

// Migrations creates the levy tables. Employers carry the 12-digit code of
// their township, copied onto each declaration, so every list is limited to
// the caller's scope with a range on it.
var Migrations = []store.Migration{{
	Version: 2026113070,
	Name:    "levy_employers",
	SQL: `
CREATE TABLE levy_employers (
	id          TEXT PRIMARY KEY,
	credit_code TEXT NOT NULL UNIQUE,   -- 统一社会信用代码, GB 32100-2015
	name        TEXT NOT NULL,
	address     TEXT NOT NULL,
	contact     TEXT NOT NULL,
	phone       TEXT NOT NULL,
	kind        TEXT NOT NULL,          -- see Kinds
	area_code   TEXT NOT NULL REFERENCES areas(code), -- township
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	version     INTEGER NOT NULL
);
CREATE INDEX levy_employers_area ON levy_employers(area_code, name);
CREATE INDEX levy_employers_name ON levy_employers(name);
-- An employer's account (role employer) sees only the employer it is
-- linked to; one account, one employer.
CREATE TABLE levy_employer_users (
	user_id     TEXT PRIMARY KEY,
	employer_id TEXT NOT NULL REFERENCES levy_employers(id),
	linked_by   TEXT NOT NULL,
	linked_at   TEXT NOT NULL
);
CREATE INDEX levy_employer_users_employer ON levy_employer_users(employer_id);
-- Settings per collection year; a value carries forward to later years
-- until it is changed.
CREATE TABLE levy_settings (
	year       INTEGER NOT NULL,
	key        TEXT NOT NULL,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (year, key)
);
`}, {
	Version: 2026113071,
	Name:    "levy_declarations",
	SQL: `
CREATE TABLE levy_declarations (
	id             TEXT PRIMARY KEY,
	employer_id    TEXT NOT NULL REFERENCES levy_employers(id),
	year           INTEGER NOT NULL,    -- collection year; the figures are of year - 1
	area_code      TEXT NOT NULL,       -- the employer's township
	status         TEXT NOT NULL,       -- draft, submitted, verified, issued
	channel        TEXT NOT NULL,       -- online (the employer), counter (a clerk)
	headcounts     TEXT NOT NULL,       -- the 12 monthly headcounts, comma-separated
	avg_wage_fen   BIGINT NOT NULL,     -- the unit's average wage last year, fen
	return_reason  TEXT NOT NULL,       -- why a clerk sent it back; '' none
	submitted_at   TEXT NOT NULL,
	verified_by    TEXT NOT NULL,
	verified_at    TEXT NOT NULL,
	issued_on      TEXT NOT NULL,       -- YYYY-MM-DD the review result was issued
	staff          TEXT NOT NULL,       -- result: exact decimals as text
	required       TEXT NOT NULL,
	counted        TEXT NOT NULL,
	actual_ratio   TEXT NOT NULL,       -- percent
	wage_used_fen  BIGINT NOT NULL,
	amount_fen     BIGINT NOT NULL,
	tier           TEXT NOT NULL,       -- see Tier
	steps          TEXT NOT NULL,       -- JSON list of the calculation's steps
	created_by     TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	version        INTEGER NOT NULL
);
CREATE UNIQUE INDEX levy_declarations_year ON levy_declarations(employer_id, year);
CREATE INDEX levy_declarations_area ON levy_declarations(year, area_code, status);
CREATE TABLE levy_employees (
	declaration_id TEXT NOT NULL REFERENCES levy_declarations(id),
	seq            INTEGER NOT NULL,    -- the row of the declaration, from 1
	year           INTEGER NOT NULL,    -- copied for the cross-employer check
	person_id      TEXT NOT NULL,
	id_number      TEXT NOT NULL,
	certificate_no TEXT NOT NULL,
	name           TEXT NOT NULL,
	category       INTEGER NOT NULL,
	grade          INTEGER NOT NULL,
	months         INTEGER NOT NULL,
	contract       BOOLEAN NOT NULL,    -- contract of at least one year
	insurance      BOOLEAN NOT NULL,    -- social insurance paid
	min_wage       BOOLEAN NOT NULL,    -- paid at least the local minimum wage
	PRIMARY KEY (declaration_id, seq)
);
CREATE INDEX levy_employees_person ON levy_employees(year, person_id);
CREATE TABLE levy_files (
	id             TEXT PRIMARY KEY,
	declaration_id TEXT NOT NULL REFERENCES levy_declarations(id),
	kind           TEXT NOT NULL,       -- contract, insurance
	mime           TEXT NOT NULL,
	size           INTEGER NOT NULL,
	stored_name    TEXT NOT NULL,       -- generated; no user-chosen name reaches the disk
	created_by     TEXT NOT NULL,
	created_at     TEXT NOT NULL
);
CREATE INDEX levy_files_declaration ON levy_files(declaration_id);
`}, sealedMigration}
