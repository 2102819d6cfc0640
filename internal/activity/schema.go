// Package activity is the activities log (活动): the federation's own
// study sessions (党组理论学习中心组学习, 党员干部集中学习, 研讨会 with the
// reflections written), its outreach trips (上门评残、下乡义诊) and the
// cultural and sports events of the year (残疾预防宣传, 典型人物评选, 健身周,
// 赛事, 艺术汇演, …) with the registered persons who took part, the other
// participants and, for competitions, the awards won. The figures of the
// work report's (一) and (五) come from here, by the activity's date.
//
// An activity carries the area it concerns (the county, a township or a
// village); every list and access is limited to the caller's scope by a
// range on it, so a township worker records and sees only his township's.
package activity

import "github.com/yangguang-cdpf/yangguang/internal/store"

// Migrations creates the activity tables. Days are YYYY-MM-DD text,
// instants store.Now text, as everywhere.
var Migrations = []store.Migration{{
	Version: 2026120301,
	Name:    "activities",
	SQL: `
CREATE TABLE activities (
	id          TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,             -- party_group_study, cadre_study, seminar, outreach, …
	title       TEXT NOT NULL,
	start_on    TEXT NOT NULL,             -- the day it was held (the figures count by it)
	end_on      TEXT NOT NULL,             -- last day of a several-day activity, '' one day
	place       TEXT NOT NULL,
	organiser   TEXT NOT NULL,             -- the department or unit organising it
	area_code   TEXT NOT NULL REFERENCES areas(code), -- county, township or village concerned
	attendees   INTEGER NOT NULL,          -- how many attended
	reflections INTEGER NOT NULL,          -- written reflections (心得体会), study kinds only
	others      INTEGER NOT NULL,          -- participants not listed by name (events)
	notes       TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	version     INTEGER NOT NULL
);
CREATE INDEX activities_area ON activities(area_code, start_on);
CREATE INDEX activities_kind ON activities(kind, start_on);
CREATE TABLE activity_participants (
	id          TEXT PRIMARY KEY,
	activity_id TEXT NOT NULL REFERENCES activities(id),
	seq         INTEGER NOT NULL,
	person_id   TEXT NOT NULL,             -- a registered person
	person_name TEXT NOT NULL
);
CREATE UNIQUE INDEX activity_participants_seq ON activity_participants(activity_id, seq);
CREATE UNIQUE INDEX activity_participants_person ON activity_participants(activity_id, person_id);
CREATE TABLE activity_awards (
	id          TEXT PRIMARY KEY,
	activity_id TEXT NOT NULL REFERENCES activities(id),
	seq         INTEGER NOT NULL,
	person_id   TEXT NOT NULL,             -- '' a team or a person not registered
	person_name TEXT NOT NULL,
	award       TEXT NOT NULL,             -- 一等奖, 金牌, …
	level       TEXT NOT NULL              -- county, city, province, national
);
CREATE UNIQUE INDEX activity_awards_seq ON activity_awards(activity_id, seq);
`,
}}
