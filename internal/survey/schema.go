// Package survey is the yearly status-and-needs survey (动态更新, form
// 动态1表, RULES.md §7): the county opens a round for a year, every active
// registered person gets a task in his household village's list, the
// village worker fills the form at a visit (pre-filled from last year or
// the registry, saved section by section), the township checks and the
// county accepts or returns it. Accepted answers update the registry; the
// needs recorded are what programmes and renovation count as "needing".
package survey

import "github.com/yangguang-cdpf/yangguang/internal/store"

// Migrations creates the survey tables.
//
// A task's id is its year and the person's id ("2026-<uuid>"), not a new
// UUID: a task is exactly one (round, person) pair, so opening a round is
// one INSERT … SELECT per township over the persons table (no row crosses
// into Go, which is what makes a million persons take seconds), and the
// task of a person is found without a lookup. Tasks carry the household
// village code so every list is a range on it. survey_needs holds one row
// per need of a recorded survey (submitted or later), so Needs and
// NeedCounts are an index range, not a scan of answers.
var Migrations = []store.Migration{{
	Version: 2026113040,
	Name:    "survey",
	SQL: `
CREATE TABLE survey_rounds (
	id         TEXT PRIMARY KEY,
	year       INTEGER NOT NULL UNIQUE,   -- one round per year
	status     TEXT NOT NULL,             -- open, closed
	opened_on  TEXT NOT NULL,             -- YYYY-MM-DD
	due_on     TEXT NOT NULL,             -- tasks not submitted by this day are overdue
	closed_on  TEXT NOT NULL,             -- '' while open
	opened_by  TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE survey_tasks (
	id           TEXT PRIMARY KEY,        -- year || '-' || person_id
	year         INTEGER NOT NULL,
	person_id    TEXT NOT NULL,
	village_code TEXT NOT NULL,           -- the person's household village (the village worker's list)
	status       TEXT NOT NULL,
	answers      TEXT NOT NULL,           -- JSON object item key → value; '' until first saved
	visited_on   TEXT NOT NULL,           -- YYYY-MM-DD of the visit, '' until given
	return_note  TEXT NOT NULL,           -- why it was last returned
	submitted_by TEXT NOT NULL,
	submitted_at TEXT NOT NULL,
	checked_by   TEXT NOT NULL,
	checked_at   TEXT NOT NULL,
	accepted_by  TEXT NOT NULL,
	accepted_at  TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	version      INTEGER NOT NULL
);
CREATE UNIQUE INDEX survey_tasks_person ON survey_tasks(person_id, year);
CREATE INDEX survey_tasks_area ON survey_tasks(year, village_code, status);
CREATE TABLE survey_events (
	id          TEXT PRIMARY KEY,
	task_id     TEXT NOT NULL REFERENCES survey_tasks(id),
	seq         INTEGER NOT NULL,
	at          TEXT NOT NULL,
	actor_id    TEXT NOT NULL,
	actor_name  TEXT NOT NULL,
	action      TEXT NOT NULL,
	from_status TEXT NOT NULL,
	to_status   TEXT NOT NULL,
	note        TEXT NOT NULL
);
CREATE UNIQUE INDEX survey_events_task ON survey_events(task_id, seq);
CREATE TABLE survey_needs (
	year         INTEGER NOT NULL,
	need         TEXT NOT NULL,
	village_code TEXT NOT NULL,
	person_id    TEXT NOT NULL,
	PRIMARY KEY (year, need, village_code, person_id)
);
CREATE INDEX survey_needs_person ON survey_needs(person_id, year);
CREATE TABLE survey_settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
`}}
