// Package rights is rights protection (维权): the cases of the 12385
// hotline and of every other channel (网络问政, 接访, 下访, letters). Every
// call is answered and recorded (one intake), transferred by its type to
// the unit responsible, followed up, replied to, the caller called back
// (回访) and filed; the leader may supervise (督办) a case. The time limits
// — acknowledge (transfer) in 1 working day, reply in 15, extendable once
// by 15 with a reason — are settings counted on the working-day calendar
// (internal/calendar). The figures of the report (cases received, closed
// on time, legal-aid persons) come from here, by the dates of the steps.
//
// A case carries the area (village or township) it concerns; every list
// and access is limited to the caller's scope by a range on it. The
// caller's phone is sealed at rest like the registry's (internal/crypt).
package rights

import "github.com/yangguang-cdpf/yangguang/internal/store"

// Migrations creates the rights tables. Days are YYYY-MM-DD text, instants
// store.Now text, as everywhere.
var Migrations = []store.Migration{{
	Version: 2026120201,
	Name:    "rights_cases",
	SQL: `
CREATE TABLE rights_cases (
	id                TEXT PRIMARY KEY,
	code              TEXT NOT NULL UNIQUE,   -- WQ2026-0001: what the caller is told
	channel           TEXT NOT NULL,          -- hotline, online, visit, outreach, letter, other
	caller_name       TEXT NOT NULL,
	caller_phone      TEXT NOT NULL,          -- sealed (registry.KindPhone)
	phone_hash        TEXT NOT NULL,          -- registry.PhoneHash: find a caller's earlier cases
	person_id         TEXT NOT NULL,          -- the registered person it concerns, '' none
	person_name       TEXT NOT NULL,
	area_code         TEXT NOT NULL REFERENCES areas(code), -- village or township concerned
	type              TEXT NOT NULL,          -- employment, education, …, consultation, other
	account           TEXT NOT NULL,          -- the caller's account of the matter
	status            TEXT NOT NULL,
	received_on       TEXT NOT NULL,
	ack_due           TEXT NOT NULL,          -- transfer due (working days after receipt)
	reply_due         TEXT NOT NULL,          -- reply due, moved once by an extension
	unit              TEXT NOT NULL,          -- unit responsible (承办单位)
	transferred_on    TEXT NOT NULL,
	transfer_note     TEXT NOT NULL,
	extended_on       TEXT NOT NULL,
	extend_reason     TEXT NOT NULL,
	reply_on          TEXT NOT NULL,
	reply             TEXT NOT NULL,          -- the unit's reply, or the answer given at intake
	callback_on       TEXT NOT NULL,
	satisfaction      TEXT NOT NULL,          -- satisfied, basically, dissatisfied
	callback_note     TEXT NOT NULL,
	closed_on         TEXT NOT NULL,
	closed_at_intake  BOOLEAN NOT NULL,       -- a consultation answered on the spot
	supervised_on     TEXT NOT NULL,          -- 督办
	supervise_note    TEXT NOT NULL,
	legal_aid_on      TEXT NOT NULL,          -- legal aid given (法律援助)
	legal_aid_persons INTEGER NOT NULL,
	legal_aid_note    TEXT NOT NULL,
	created_by        TEXT NOT NULL,
	created_at        TEXT NOT NULL,
	updated_at        TEXT NOT NULL,
	version           INTEGER NOT NULL
);
CREATE INDEX rights_cases_area ON rights_cases(area_code, received_on);
CREATE INDEX rights_cases_received ON rights_cases(received_on);
CREATE INDEX rights_cases_closed ON rights_cases(closed_on);
CREATE INDEX rights_cases_status ON rights_cases(status, reply_due);
CREATE INDEX rights_cases_phone ON rights_cases(phone_hash);
CREATE TABLE rights_events (
	id          TEXT PRIMARY KEY,
	case_id     TEXT NOT NULL REFERENCES rights_cases(id),
	seq         INTEGER NOT NULL,
	day         TEXT NOT NULL,               -- the day the step happened
	at          TEXT NOT NULL,               -- when it was recorded
	actor_id    TEXT NOT NULL,
	actor_name  TEXT NOT NULL,
	action      TEXT NOT NULL,
	from_status TEXT NOT NULL,
	to_status   TEXT NOT NULL,
	note        TEXT NOT NULL
);
CREATE UNIQUE INDEX rights_events_seq ON rights_events(case_id, seq);
CREATE TABLE rights_settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
`,
}}
