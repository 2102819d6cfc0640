// Package renovate is home accessibility renovation (无障碍改造) for
// disabled persons' households: a household enters the year's list from a
// survey need (动态更新), a township request or an application; a survey
// visit records the home with photos; the county makes a plan for the
// household (一户一策) from a catalogue of items with unit costs; the plan
// is agreed with the family, approved by a second person, built by a
// contractor, accepted at an inspection with photos and the family's
// signature, and paid. The yearly budget and household target, and the
// figures of the federation's report (planned, completed, in design or
// preparation, spending, coverage of households in need) come from here.
//
// A household is the disabled person's: the renovation carries the
// person's household (户籍) village code, and every list and every access
// is limited to the caller's scope by a range on it. Photos are kept in
// the files store; renovation_files is this package's table of references
// and the only way they are served.
package renovate

import "github.com/yangguang-cdpf/yangguang/internal/store"

// Migrations creates the renovation tables and the shipped catalogue.
// Money is integer fen.
var Migrations = []store.Migration{{
	Version: 2026113050,
	Name:    "renovations",
	SQL: `
CREATE TABLE renovations (
	id               TEXT PRIMARY KEY,
	person_id        TEXT NOT NULL REFERENCES persons(id),
	name             TEXT NOT NULL,        -- the person's name when listed
	village_code     TEXT NOT NULL REFERENCES areas(code), -- household village
	year             INTEGER NOT NULL,     -- the year's list (budget and target year)
	source           TEXT NOT NULL,        -- survey, township, application
	poverty          BOOLEAN NOT NULL,     -- 建档立卡/监测户 when listed
	status           TEXT NOT NULL,
	request_note     TEXT NOT NULL,
	visit_on         TEXT NOT NULL,        -- survey visit day
	rooms            INTEGER NOT NULL,
	steps            INTEGER NOT NULL,     -- steps at the entrance
	entrance         TEXT NOT NULL,
	toilet           TEXT NOT NULL,
	kitchen          TEXT NOT NULL,
	doors            TEXT NOT NULL,
	survey_notes     TEXT NOT NULL,
	surveyed_by      TEXT NOT NULL,
	planned_by       TEXT NOT NULL,        -- account id of who made the plan
	planned_at       TEXT NOT NULL,
	total_fen        BIGINT NOT NULL,      -- plan cost
	agreed_on        TEXT NOT NULL,        -- the family's agreement
	agreed_by        TEXT NOT NULL,
	approved_by      TEXT NOT NULL,
	approved_on      TEXT NOT NULL,
	contractor       TEXT NOT NULL,
	started_on       TEXT NOT NULL,
	accepted_on      TEXT NOT NULL,
	accepted_by      TEXT NOT NULL,
	signed_by        TEXT NOT NULL,        -- family member who signed the acceptance
	inspection_notes TEXT NOT NULL,
	paid_on          TEXT NOT NULL,
	paid_fen         BIGINT NOT NULL,
	paid_by          TEXT NOT NULL,
	cancel_reason    TEXT NOT NULL,
	cancelled_on     TEXT NOT NULL,
	created_by       TEXT NOT NULL,
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	version          INTEGER NOT NULL
);
CREATE INDEX renovations_area ON renovations(village_code, year, status);
CREATE INDEX renovations_person ON renovations(person_id, status);
CREATE TABLE renovation_items (
	id            TEXT PRIMARY KEY,
	renovation_id TEXT NOT NULL REFERENCES renovations(id),
	seq           INTEGER NOT NULL,
	item_code     TEXT NOT NULL,
	name          TEXT NOT NULL,           -- copied from the catalogue: later edits do not change a plan
	unit          TEXT NOT NULL,
	unit_fen      BIGINT NOT NULL,
	quantity      INTEGER NOT NULL,
	cost_fen      BIGINT NOT NULL,         -- unit_fen × quantity
	note          TEXT NOT NULL
);
CREATE UNIQUE INDEX renovation_items_seq ON renovation_items(renovation_id, seq);
CREATE TABLE renovation_events (
	id            TEXT PRIMARY KEY,
	renovation_id TEXT NOT NULL REFERENCES renovations(id),
	seq           INTEGER NOT NULL,
	at            TEXT NOT NULL,
	actor_id      TEXT NOT NULL,
	actor_name    TEXT NOT NULL,
	action        TEXT NOT NULL,           -- add, an Action, or photo
	from_status   TEXT NOT NULL,
	to_status     TEXT NOT NULL,
	note          TEXT NOT NULL
);
CREATE UNIQUE INDEX renovation_events_seq ON renovation_events(renovation_id, seq);
CREATE TABLE renovation_files (
	id            TEXT PRIMARY KEY,
	renovation_id TEXT NOT NULL REFERENCES renovations(id),
	village_code  TEXT NOT NULL,           -- whose scope may see it
	stage         TEXT NOT NULL,           -- survey, construction, acceptance
	hash          TEXT NOT NULL,           -- files.Store content hash
	kind          TEXT NOT NULL,
	size          BIGINT NOT NULL,
	caption       TEXT NOT NULL,
	created_by    TEXT NOT NULL,
	created_at    TEXT NOT NULL
);
CREATE INDEX renovation_files_renovation ON renovation_files(renovation_id, stage);
CREATE TABLE renovation_catalogue (
	code       TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	unit       TEXT NOT NULL,
	unit_fen   BIGINT NOT NULL,
	active     BOOLEAN NOT NULL,
	position   INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE renovation_years (
	year                  INTEGER PRIMARY KEY,
	budget_fen            BIGINT NOT NULL,
	target                INTEGER NOT NULL,  -- households to complete
	coverage_goal_permille INTEGER NOT NULL, -- of households in need
	updated_at            TEXT NOT NULL
);
CREATE TABLE renovation_settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
` + catalogueSeed,
}}

// catalogueSeed is the shipped catalogue. Default unit costs (a county
// edits them on the catalogue page): 坡道 ¥1,500 a place, 坐便器 ¥800,
// 室内扶手 ¥150 and 室外扶手 ¥200 a metre, 低位灶台 ¥2,000 a set, 门加宽
// ¥1,200 a door, 去门槛 ¥300 a place, 洗浴椅 ¥300, 闪光门铃 ¥200.
const catalogueSeed = `
INSERT INTO renovation_catalogue (code, name, unit, unit_fen, active, position, updated_at) VALUES
('ramp', '坡道', '处', 150000, TRUE, 1, ''),
('sit_toilet', '坐便器', '个', 80000, TRUE, 2, ''),
('handrail_indoor', '室内扶手', '米', 15000, TRUE, 3, ''),
('handrail_outdoor', '室外扶手', '米', 20000, TRUE, 4, ''),
('low_stove', '低位灶台', '套', 200000, TRUE, 5, ''),
('door_widening', '门加宽', '处', 120000, TRUE, 6, ''),
('threshold_removal', '去门槛', '处', 30000, TRUE, 7, ''),
('bath_seat', '洗浴椅', '个', 30000, TRUE, 8, ''),
('flashing_doorbell', '闪光门铃', '个', 20000, TRUE, 9, '');
`
