// Package certify is the certification one-stop service (评残办证一站式):
// applications of every type from filing to the certificate in hand, the
// monthly centralised assessment sessions (集中评残), home assessments
// (上门评残), the expert pool (专家库) with its assignment rules, the
// second-person review, 公示 and county review on the working-day
// calendar, appeals, issue with the registry updated in the same
// transaction, delivery, an SMS outbox, renewal reminders and the figures of
// the federation's report. RULES.md §3 is the source of every rule.
package certify

import "github.com/yangguang-cdpf/yangguang/internal/store"

// Migrations creates the certification tables. Applications carry the
// 12-digit village code so every list is limited to the caller's scope
// with a range on it; sessions and experts are county-wide.
var Migrations = []store.Migration{{
	Version: 2026112902,
	Name:    "certify_experts_sessions",
	SQL: `
CREATE TABLE cert_experts (
	id            TEXT PRIMARY KEY,
	user_id       TEXT NOT NULL,      -- the expert's account; '' until one is made
	name          TEXT NOT NULL,
	speciality    TEXT NOT NULL,      -- see Specialities
	hospital      TEXT NOT NULL,      -- designated hospital
	qualification TEXT NOT NULL,      -- e.g. 主任医师
	phone         TEXT NOT NULL,
	available     BOOLEAN NOT NULL,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);
CREATE INDEX cert_experts_user ON cert_experts(user_id);
CREATE TABLE cert_expert_conflicts (
	expert_id TEXT NOT NULL REFERENCES cert_experts(id),
	id_number TEXT NOT NULL,          -- a relative the expert may not assess
	relation  TEXT NOT NULL,
	PRIMARY KEY (expert_id, id_number)
);
CREATE TABLE cert_sessions (
	id         TEXT PRIMARY KEY,
	day        TEXT NOT NULL,         -- YYYY-MM-DD
	place      TEXT NOT NULL,
	category   INTEGER NOT NULL,      -- disability category assessed
	capacity   INTEGER NOT NULL,
	status     TEXT NOT NULL,         -- planned, held, cancelled
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX cert_sessions_day ON cert_sessions(day, category);
CREATE TABLE cert_session_experts (
	session_id TEXT NOT NULL REFERENCES cert_sessions(id),
	expert_id  TEXT NOT NULL REFERENCES cert_experts(id),
	PRIMARY KEY (session_id, expert_id)
);
`}, {
	Version: 2026112903,
	Name:    "certify_applications",
	SQL: `
CREATE TABLE cert_applications (
	id               TEXT PRIMARY KEY,
	code             TEXT NOT NULL UNIQUE, -- 受理编号 the applicant follows progress with
	type             TEXT NOT NULL,
	status           TEXT NOT NULL,
	channel          TEXT NOT NULL,        -- counter, township, online
	person_id        TEXT NOT NULL,        -- registry person; '' until a new certificate is issued
	id_number        TEXT NOT NULL,
	name             TEXT NOT NULL,
	village_code     TEXT NOT NULL REFERENCES areas(code),
	phone            TEXT NOT NULL,
	category         INTEGER NOT NULL,     -- category applied for; 0 for types without assessment
	new_name         TEXT NOT NULL,        -- 变更: the corrected details
	new_village_code TEXT NOT NULL,
	cancel_reason    TEXT NOT NULL,
	home             BOOLEAN NOT NULL,     -- 上门评残
	home_reason      TEXT NOT NULL,
	session_id       TEXT NOT NULL,        -- '' unless booked into a session
	assess_day       TEXT NOT NULL,        -- session day or home visit day
	expert_id        TEXT NOT NULL,        -- the assessing expert
	result_category  INTEGER NOT NULL,
	result_grade     INTEGER NOT NULL,     -- 0: does not meet the standard
	result_components TEXT NOT NULL,       -- 多重: "category:grade,…" as registry.ComponentsText
	findings         TEXT NOT NULL,
	assessed_by      TEXT NOT NULL,        -- account id of the assessor
	assessed_at      TEXT NOT NULL,
	reviewed_by      TEXT NOT NULL,        -- account id of the second reviewer
	publicity_from   TEXT NOT NULL,
	publicity_to     TEXT NOT NULL,
	review_due       TEXT NOT NULL,
	decided_by       TEXT NOT NULL,        -- account id of the county reviewer
	appeal_until     TEXT NOT NULL,
	certificate_no   TEXT NOT NULL,
	issued_on        TEXT NOT NULL,
	delivery         TEXT NOT NULL,        -- counter, township, home
	delivered_on     TEXT NOT NULL,
	due              TEXT NOT NULL,        -- time limit of the current stage; '' none
	late_stages      INTEGER NOT NULL,     -- stages left after their time limit
	stage_since      TEXT NOT NULL,        -- instant the current stage began
	filed_on         TEXT NOT NULL,
	closed_on        TEXT NOT NULL,        -- day it reached a final stage
	created_by       TEXT NOT NULL,
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	version          INTEGER NOT NULL
);
CREATE INDEX cert_applications_area ON cert_applications(village_code, status);
CREATE INDEX cert_applications_session ON cert_applications(session_id);
CREATE INDEX cert_applications_expert ON cert_applications(expert_id, status);
CREATE INDEX cert_applications_id_number ON cert_applications(id_number, filed_on);
CREATE TABLE cert_events (
	id             TEXT PRIMARY KEY,
	application_id TEXT NOT NULL REFERENCES cert_applications(id),
	seq            INTEGER NOT NULL,
	at             TEXT NOT NULL,
	actor_id       TEXT NOT NULL,
	actor_name     TEXT NOT NULL,
	action         TEXT NOT NULL,        -- file, an Action, or visit/photo/document
	from_status    TEXT NOT NULL,
	to_status      TEXT NOT NULL,
	note           TEXT NOT NULL,
	late           BOOLEAN NOT NULL      -- the stage left was past its time limit
);
CREATE UNIQUE INDEX cert_events_app ON cert_events(application_id, seq);
CREATE TABLE cert_visits (
	application_id TEXT NOT NULL REFERENCES cert_applications(id),
	day            TEXT NOT NULL,        -- one visit per day however many counters
	reason         TEXT NOT NULL,
	PRIMARY KEY (application_id, day)
);
CREATE TABLE cert_assignments (
	application_id TEXT NOT NULL REFERENCES cert_applications(id),
	expert_id      TEXT NOT NULL REFERENCES cert_experts(id),
	assigned_on    TEXT NOT NULL,
	kind           TEXT NOT NULL,        -- session, home
	PRIMARY KEY (application_id, expert_id)
);
CREATE INDEX cert_assignments_expert ON cert_assignments(expert_id, assigned_on);
CREATE TABLE cert_attachments (
	id             TEXT PRIMARY KEY,
	application_id TEXT NOT NULL REFERENCES cert_applications(id),
	kind           TEXT NOT NULL,        -- photo, document
	filename       TEXT NOT NULL,
	mime           TEXT NOT NULL,
	size           INTEGER NOT NULL,
	data           TEXT NOT NULL,        -- base64
	created_at     TEXT NOT NULL
);
CREATE INDEX cert_attachments_app ON cert_attachments(application_id, kind);
`}, {
	Version: 2026112904,
	Name:    "certify_certificates_outbox_settings",
	SQL: `
CREATE TABLE cert_certificates (
	id             TEXT PRIMARY KEY,
	person_id      TEXT NOT NULL,
	application_id TEXT NOT NULL,        -- '' for a card from before the system
	certificate_no TEXT NOT NULL,
	village_code   TEXT NOT NULL,
	issued_on      TEXT NOT NULL,
	valid_until    TEXT NOT NULL,
	kind           TEXT NOT NULL,        -- the application type that issued it
	status         TEXT NOT NULL,        -- valid, superseded, cancelled
	created_at     TEXT NOT NULL
);
CREATE INDEX cert_certificates_expiry ON cert_certificates(status, valid_until);
CREATE INDEX cert_certificates_person ON cert_certificates(person_id);
CREATE TABLE cert_sms_outbox (
	id             TEXT PRIMARY KEY,
	application_id TEXT NOT NULL,
	person_id      TEXT NOT NULL,
	village_code   TEXT NOT NULL,
	phone          TEXT NOT NULL,
	kind           TEXT NOT NULL,
	body           TEXT NOT NULL,
	status         TEXT NOT NULL,        -- queued, sent, no_phone
	created_at     TEXT NOT NULL,
	sent_at        TEXT NOT NULL
);
CREATE INDEX cert_sms_outbox_area ON cert_sms_outbox(village_code, created_at);
CREATE TABLE cert_renewals (
	id             TEXT PRIMARY KEY,
	person_id      TEXT NOT NULL,
	name           TEXT NOT NULL,
	certificate_no TEXT NOT NULL,
	village_code   TEXT NOT NULL,
	valid_until    TEXT NOT NULL,
	contact_by     TEXT NOT NULL,        -- the township contacts the holder by this day
	listed_on      TEXT NOT NULL,
	status         TEXT NOT NULL         -- open, done
);
-- One entry per expiring card, so the job may run twice.
CREATE UNIQUE INDEX cert_renewals_card ON cert_renewals(person_id, valid_until);
CREATE INDEX cert_renewals_area ON cert_renewals(village_code, status);
CREATE TABLE cert_settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
`}, sealedMigration, sealedSwap}
