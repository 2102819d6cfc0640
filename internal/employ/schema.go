// Package employ is the people's side of employment (就业): job-seeker
// profiles (求职登记), employment records (就业登记) with their forms and
// public-welfare posts (公益岗位), training courses (培训班) with sessions,
// attendance, completion and certificates, entrepreneurship support
// (创业扶持), sunshine greenhouses (阳光大棚), support and training bases
// (助残基地, 就业实训基地) with the persons and family members they
// employ, campaigns (就业援助月) and promotion events (宣传推介), wishes
// (微心愿) and the figures of the report. The employers' side (quota
// review and levy) is package levy.
package employ

import "github.com/yangguang-cdpf/yangguang/internal/store"

// Migrations creates the employment tables. Records about a registry
// person are scoped through the person's current household village
// (persons.village_code); places and events carry the 12-digit code of the
// area they belong to (a village, a township or the county).
var Migrations = []store.Migration{{
	Version: 2026113060,
	Name:    "employ_forms_seekers_records_posts",
	SQL: `
CREATE TABLE emp_forms (
	code    TEXT PRIMARY KEY,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	sort    INTEGER NOT NULL,
	needs_employer BOOLEAN NOT NULL    -- an employer must be named (按比例, 集中, …)
);
INSERT INTO emp_forms (code, name_zh, name_en, sort, needs_employer) VALUES
	('quota',          '按比例就业',       'Quota employment',          1, TRUE),
	('centralised',    '集中就业',         'Centralised employment',    2, TRUE),
	('self_employed',  '个体就业/自主创业', 'Self-employed / business',  3, FALSE),
	('public_welfare', '公益性岗位',       'Public-welfare post',       4, TRUE),
	('auxiliary',      '辅助性就业',       'Auxiliary employment',      5, TRUE),
	('rural',          '农村种养加',       'Farming and processing',    6, FALSE),
	('flexible',       '灵活就业',         'Flexible employment',       7, FALSE),
	('ecommerce',      '电商/直播就业',     'E-commerce / live-streaming', 8, FALSE),
	('home',           '居家就业',         'Home-based employment',     9, FALSE);
CREATE TABLE emp_seekers (
	person_id      TEXT PRIMARY KEY REFERENCES persons(id),
	skills         TEXT NOT NULL,
	direction      TEXT NOT NULL,     -- 就业方向 wished
	training_wish  TEXT NOT NULL,     -- 培训意向
	limits         TEXT NOT NULL,     -- what the disability rules out
	availability   TEXT NOT NULL,     -- see Availabilities
	registered_on  TEXT NOT NULL,     -- YYYY-MM-DD 求职登记
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL
);
CREATE TABLE emp_posts (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	area_code     TEXT NOT NULL REFERENCES areas(code), -- the township (or village) of the post
	sponsor       TEXT NOT NULL,      -- the unit that funds the post
	monthly_pay   BIGINT NOT NULL,    -- fen
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);
CREATE INDEX emp_posts_area ON emp_posts(area_code);
CREATE TABLE emp_records (
	id             TEXT PRIMARY KEY,
	person_id      TEXT NOT NULL REFERENCES persons(id),
	form           TEXT NOT NULL REFERENCES emp_forms(code),
	employer       TEXT NOT NULL,     -- name or unified social credit code, free text
	post_id        TEXT NOT NULL,     -- '' unless a public-welfare post is held
	start_date     TEXT NOT NULL,
	end_date       TEXT NOT NULL,     -- '' while it lasts
	monthly_income BIGINT NOT NULL,   -- fen
	note           TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL
);
CREATE INDEX emp_records_person ON emp_records(person_id, start_date);
CREATE INDEX emp_records_dates ON emp_records(start_date, end_date);
CREATE INDEX emp_records_post ON emp_records(post_id, start_date);
`}, {
	Version: 2026113061,
	Name:    "employ_training",
	SQL: `
CREATE TABLE emp_courses (
	id          TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,        -- skills, ecommerce, apprentice
	name        TEXT NOT NULL,
	area_code   TEXT NOT NULL REFERENCES areas(code), -- where it is held; the county code for county courses
	place       TEXT NOT NULL,
	provider    TEXT NOT NULL,
	master      TEXT NOT NULL,        -- 师带徒: the master; '' otherwise
	start_date  TEXT NOT NULL,
	end_date    TEXT NOT NULL,
	status      TEXT NOT NULL,        -- open, finished
	finished_on TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE INDEX emp_courses_area ON emp_courses(area_code, start_date);
CREATE TABLE emp_sessions (
	id         TEXT PRIMARY KEY,
	course_id  TEXT NOT NULL REFERENCES emp_courses(id),
	day        TEXT NOT NULL,
	topic      TEXT NOT NULL
);
CREATE INDEX emp_sessions_course ON emp_sessions(course_id, day);
CREATE TABLE emp_enrolments (
	course_id      TEXT NOT NULL REFERENCES emp_courses(id),
	person_id      TEXT NOT NULL REFERENCES persons(id),
	enrolled_on    TEXT NOT NULL,
	completed      BOOLEAN NOT NULL,
	completed_on   TEXT NOT NULL,     -- '' until the course is finished and attendance suffices
	certificate_no TEXT NOT NULL,
	attended       INTEGER NOT NULL,  -- sessions attended, as of the finish
	PRIMARY KEY (course_id, person_id)
);
CREATE INDEX emp_enrolments_person ON emp_enrolments(person_id);
CREATE INDEX emp_enrolments_done ON emp_enrolments(completed, completed_on);
CREATE TABLE emp_attendance (
	session_id TEXT NOT NULL REFERENCES emp_sessions(id),
	person_id  TEXT NOT NULL REFERENCES persons(id),
	present    BOOLEAN NOT NULL,
	PRIMARY KEY (session_id, person_id)
);
`}, {
	Version: 2026113062,
	Name:    "employ_projects_places",
	SQL: `
CREATE TABLE emp_projects (
	id           TEXT PRIMARY KEY,
	person_id    TEXT NOT NULL REFERENCES persons(id),
	name         TEXT NOT NULL,
	grant_fen    BIGINT NOT NULL,
	mentor       TEXT NOT NULL,
	status       TEXT NOT NULL,       -- applied, supported, closed, refused
	applied_on   TEXT NOT NULL,
	supported_on TEXT NOT NULL,
	closed_on    TEXT NOT NULL,
	note         TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL
);
CREATE INDEX emp_projects_person ON emp_projects(person_id);
CREATE INDEX emp_projects_supported ON emp_projects(status, supported_on);
CREATE TABLE emp_places (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,         -- greenhouse 阳光大棚, support 助残基地, training 就业实训基地
	name       TEXT NOT NULL,         -- the site of a greenhouse, the base's name
	area_code  TEXT NOT NULL REFERENCES areas(code), -- the village where it stands
	operator   TEXT NOT NULL,
	opened_on  TEXT NOT NULL,
	closed_on  TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX emp_places_area ON emp_places(kind, area_code);
CREATE TABLE emp_place_workers (
	id         TEXT PRIMARY KEY,
	place_id   TEXT NOT NULL REFERENCES emp_places(id),
	role       TEXT NOT NULL,         -- disabled, student, family
	person_id  TEXT NOT NULL,         -- registry person; '' for a family member
	name       TEXT NOT NULL,         -- the family member's name (a copy of the person's otherwise)
	relation   TEXT NOT NULL,         -- family: whose parent, e.g. 陪读家长
	start_date TEXT NOT NULL,
	end_date   TEXT NOT NULL
);
CREATE INDEX emp_place_workers_place ON emp_place_workers(place_id, start_date);
CREATE INDEX emp_place_workers_person ON emp_place_workers(person_id);
`}, {
	Version: 2026113063,
	Name:    "employ_campaigns_wishes_settings",
	SQL: `
CREATE TABLE emp_campaigns (
	id          TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,        -- aid_month 就业援助月, promotion 宣传推介
	name        TEXT NOT NULL,
	area_code   TEXT NOT NULL REFERENCES areas(code),
	place       TEXT NOT NULL,
	start_date  TEXT NOT NULL,
	end_date    TEXT NOT NULL,
	reached_count INTEGER NOT NULL,   -- persons reached who are not named (a head count)
	suggestions_count INTEGER NOT NULL, -- suggestions collected and not written down one by one
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE INDEX emp_campaigns_area ON emp_campaigns(area_code, start_date);
CREATE TABLE emp_campaign_persons (
	campaign_id TEXT NOT NULL REFERENCES emp_campaigns(id),
	person_id   TEXT NOT NULL REFERENCES persons(id),
	PRIMARY KEY (campaign_id, person_id)
);
CREATE TABLE emp_suggestions (
	id          TEXT PRIMARY KEY,
	campaign_id TEXT NOT NULL REFERENCES emp_campaigns(id),
	text        TEXT NOT NULL,
	created_at  TEXT NOT NULL
);
CREATE INDEX emp_suggestions_campaign ON emp_suggestions(campaign_id);
CREATE TABLE emp_wishes (
	id            TEXT PRIMARY KEY,
	person_id     TEXT NOT NULL REFERENCES persons(id),
	type          TEXT NOT NULL,      -- direction 就业方向, training 培训意向, other
	text          TEXT NOT NULL,
	recorded_on   TEXT NOT NULL,
	assigned_to   TEXT NOT NULL,      -- account id of the staff member; '' unassigned
	assigned_name TEXT NOT NULL,
	status        TEXT NOT NULL,      -- open, fulfilled, unfulfilled
	closed_on     TEXT NOT NULL,
	note          TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);
CREATE INDEX emp_wishes_person ON emp_wishes(person_id);
CREATE INDEX emp_wishes_recorded ON emp_wishes(recorded_on);
CREATE TABLE emp_settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
`}}
