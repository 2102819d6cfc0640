// Package programme is the programme engine (扶助项目): programmes with an
// eligibility rule in CEL, a benefit standard, a target and a budget; cases
// (个案) from application through the township check, county review and
// four-eyes approval to entitlement, payment or delivery and follow-up;
// services and claims recorded on a case; the 应助尽助 radar of eligible
// persons without a case; renewals of recurring benefits; the figures of
// the federation's report; and the payment.Source the payment batches
// read. RULES.md §5–§6 and the county report are the sources of the eight
// programmes shipped configured.
package programme

import (
	"context"
	"database/sql"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Migrations creates the programme tables and ships the eight programmes.
// Cases carry the person's 12-digit household village code so every list
// is limited to the caller's scope with a range on it.
var Migrations = []store.Migration{{
	Version: 2026113010,
	Name:    "programme_tables",
	SQL: `
CREATE TABLE prog_programmes (
	id              TEXT PRIMARY KEY,
	code            TEXT NOT NULL UNIQUE,  -- stable name rules refer to: enrolled("living_subsidy")
	name            TEXT NOT NULL,
	kind            TEXT NOT NULL,         -- cash, service, device, grant
	frequency       TEXT NOT NULL,         -- monthly, one_off, claim
	period_from     TEXT NOT NULL,         -- YYYY-MM-DD; '' with period_to '' = every calendar year
	period_to       TEXT NOT NULL,
	window_from     TEXT NOT NULL,         -- MM-DD of the application window; '' = open all period
	window_to       TEXT NOT NULL,
	window_subtypes TEXT NOT NULL,         -- comma list: the window applies only to these; '' = all
	subtypes        TEXT NOT NULL,         -- comma list of case sub-types (e.g. pupil,university)
	rule            TEXT NOT NULL,         -- CEL eligibility rule
	rule_note       TEXT NOT NULL,         -- plain-language rule and its source
	annual_cap_fen  BIGINT NOT NULL,       -- 0 = no cap
	target          INTEGER NOT NULL,      -- persons; 0 = none
	budget_fen      BIGINT NOT NULL,       -- 0 = none
	pay_family      BOOLEAN NOT NULL,      -- paid to the family (a payee other than the person)
	active          BOOLEAN NOT NULL,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	version         INTEGER NOT NULL
);
CREATE TABLE prog_tiers (
	programme_id TEXT NOT NULL REFERENCES prog_programmes(id),
	seq          INTEGER NOT NULL,         -- order: the first tier whose condition holds applies
	key          TEXT NOT NULL,
	label        TEXT NOT NULL,
	amount_fen   BIGINT NOT NULL,          -- per month (monthly) or per case (one_off, claim cap)
	condition    TEXT NOT NULL,            -- CEL over the same variables as the rule; '' = always
	provisional  BOOLEAN NOT NULL,         -- a RULES.md Default placeholder not yet confirmed locally
	PRIMARY KEY (programme_id, key)
);
CREATE TABLE prog_providers (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,              -- rehab_centre, hospital, care_home, school, other
	address    TEXT NOT NULL,
	phone      TEXT NOT NULL,
	designated BOOLEAN NOT NULL,           -- 定点机构
	active     BOOLEAN NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE prog_cases (
	id              TEXT PRIMARY KEY,
	code            TEXT NOT NULL UNIQUE,  -- 个案编号
	programme_id    TEXT NOT NULL REFERENCES prog_programmes(id),
	person_id       TEXT NOT NULL REFERENCES persons(id),
	name            TEXT NOT NULL,
	id_number       TEXT NOT NULL,
	village_code    TEXT NOT NULL,         -- household village at filing: the scope of the case
	category        INTEGER NOT NULL,      -- at filing, for the figures by category
	grade           INTEGER NOT NULL,
	status          TEXT NOT NULL,
	channel         TEXT NOT NULL,         -- staff, township, village, online
	subtype         TEXT NOT NULL,
	tier            TEXT NOT NULL,
	amount_fen      BIGINT NOT NULL,       -- per month (monthly) or for the case
	period_from     TEXT NOT NULL,         -- the period the case belongs to
	period_to       TEXT NOT NULL,
	start_month     TEXT NOT NULL,         -- YYYY-MM first instalment (monthly); '' before entitlement
	end_month       TEXT NOT NULL,         -- YYYY-MM last instalment; '' = to the period's end
	due_month       TEXT NOT NULL,         -- YYYY-MM a one-off falls due
	paid_month      TEXT NOT NULL,         -- YYYY-MM a one-off was paid
	provider_id     TEXT NOT NULL,
	payee_name      TEXT NOT NULL,
	payee_id_number TEXT NOT NULL,
	payee_relation  TEXT NOT NULL,         -- self, or the family member paid instead
	bank_name       TEXT NOT NULL,
	bank_account    TEXT NOT NULL,
	override_reason TEXT NOT NULL,         -- why a person not meeting the rule was admitted
	override_by     TEXT NOT NULL,
	reason          TEXT NOT NULL,         -- of a refusal, withdrawal, suspension or stop
	note            TEXT NOT NULL,
	checked_by      TEXT NOT NULL,
	reviewed_by     TEXT NOT NULL,
	approved_by     TEXT NOT NULL,
	suspended_from  TEXT NOT NULL,         -- the status a suspension interrupted
	filed_on        TEXT NOT NULL,
	decided_on      TEXT NOT NULL,         -- approval day
	closed_on       TEXT NOT NULL,
	created_by      TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	version         INTEGER NOT NULL
);
CREATE INDEX prog_cases_area ON prog_cases(village_code, status);
CREATE INDEX prog_cases_programme ON prog_cases(programme_id, period_from, status);
CREATE INDEX prog_cases_person ON prog_cases(person_id, programme_id);
CREATE TABLE prog_events (
	id          TEXT PRIMARY KEY,
	case_id     TEXT NOT NULL REFERENCES prog_cases(id),
	seq         INTEGER NOT NULL,
	at          TEXT NOT NULL,
	actor_id    TEXT NOT NULL,
	actor_name  TEXT NOT NULL,
	action      TEXT NOT NULL,             -- file, an Action, service, claim, paid, reversed
	from_status TEXT NOT NULL,
	to_status   TEXT NOT NULL,
	note        TEXT NOT NULL
);
CREATE UNIQUE INDEX prog_events_case ON prog_events(case_id, seq);
CREATE TABLE prog_services (
	id           TEXT PRIMARY KEY,
	case_id      TEXT NOT NULL REFERENCES prog_cases(id),
	village_code TEXT NOT NULL,
	day          TEXT NOT NULL,            -- YYYY-MM-DD
	provider_id  TEXT NOT NULL,
	type         TEXT NOT NULL,            -- see ServiceTypes
	quantity     INTEGER NOT NULL,         -- sessions, visits, days, items
	note         TEXT NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   TEXT NOT NULL
);
CREATE INDEX prog_services_case ON prog_services(case_id, day);
CREATE INDEX prog_services_area ON prog_services(village_code, day);
CREATE TABLE prog_claims (
	id           TEXT PRIMARY KEY,
	case_id      TEXT NOT NULL REFERENCES prog_cases(id),
	programme_id TEXT NOT NULL,
	village_code TEXT NOT NULL,
	receipt_no   TEXT NOT NULL,
	receipt_day  TEXT NOT NULL,
	amount_fen   BIGINT NOT NULL,
	status       TEXT NOT NULL,            -- submitted, approved, rejected, paid
	due_month    TEXT NOT NULL,            -- YYYY-MM from which an approved claim is paid
	paid_month   TEXT NOT NULL,
	decided_by   TEXT NOT NULL,
	note         TEXT NOT NULL,
	created_at   TEXT NOT NULL
);
-- A receipt is claimed once per programme.
CREATE UNIQUE INDEX prog_claims_receipt ON prog_claims(programme_id, receipt_no);
CREATE INDEX prog_claims_case ON prog_claims(case_id, status);
CREATE TABLE prog_paid (
	id           TEXT PRIMARY KEY,
	case_id      TEXT NOT NULL,
	programme_id TEXT NOT NULL,
	village_code TEXT NOT NULL,
	category     INTEGER NOT NULL,
	month        TEXT NOT NULL,            -- YYYY-MM the payment was for
	batch_id     TEXT NOT NULL,
	amount_fen   BIGINT NOT NULL,          -- negative for a reversal: rows are never edited
	note         TEXT NOT NULL,
	at           TEXT NOT NULL
);
CREATE INDEX prog_paid_area ON prog_paid(village_code, month);
CREATE INDEX prog_paid_case ON prog_paid(case_id, month);
CREATE TABLE prog_person_tags (
	person_id TEXT NOT NULL REFERENCES persons(id),
	tag       TEXT NOT NULL,               -- autism, cerebral_palsy, need.<programme code>
	source    TEXT NOT NULL,               -- hospital diagnosis, survey, staff
	noted_on  TEXT NOT NULL,
	PRIMARY KEY (person_id, tag)
);
CREATE INDEX prog_person_tags_tag ON prog_person_tags(tag);
CREATE TABLE prog_settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
`}, {
	Version: 2026113011,
	Name:    "programme_shipped",
	Go: func(ctx context.Context, tx *sql.Tx) error {
		return seedProgrammes(ctx, tx)
	},
}, sealedMigration}
