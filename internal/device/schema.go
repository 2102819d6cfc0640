// Package device is the assistive device side of the rehabilitation work
// (辅助器具): the catalogue of device kinds (辅助器具目录), the inventory of
// individual items at the county centre and the townships' 残疾人之家
// (库存), and the loan/rental pilot (辅助器具租赁试点): lend, return,
// extend once, lost, overdue reminders in an outbox, a person's devices
// and the figures of the federation's report. The programme engine keeps
// the fitting cases (needs assessment → fitting → follow-up); a loan may
// name such a case by its id.
package device

import (
	"context"
	"database/sql"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Migrations creates the device tables. Items carry the 12-digit code of
// where they are kept (the county or a township), loans the household
// village of the person, so every list is limited to the caller's scope
// with a range on one of them. The catalogue is county-wide.
var Migrations = []store.Migration{{
	Version: 2026113030,
	Name:    "device_catalogue_items",
	SQL: `
CREATE TABLE device_kinds (
	id             TEXT PRIMARY KEY,
	code           TEXT NOT NULL UNIQUE,  -- short code, the prefix of asset numbers
	name           TEXT NOT NULL,
	class          TEXT NOT NULL,         -- see Classes
	unit_value_fen BIGINT NOT NULL,       -- value of one item in fen
	loanable       BOOLEAN NOT NULL,      -- may be lent in the pilot
	loan_days      INTEGER NOT NULL,      -- loan period; 0 = the setting's default
	active         BOOLEAN NOT NULL,      -- offered when receiving items
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL
);
CREATE TABLE device_items (
	id            TEXT PRIMARY KEY,
	asset_no      TEXT NOT NULL UNIQUE,   -- 资产编号
	kind_id       TEXT NOT NULL REFERENCES device_kinds(id),
	source        TEXT NOT NULL,          -- purchase, donation
	received_on   TEXT NOT NULL,          -- YYYY-MM-DD
	condition     TEXT NOT NULL,          -- see Conditions
	location_code TEXT NOT NULL REFERENCES areas(code), -- county centre or a township
	status        TEXT NOT NULL,          -- see ItemStatuses
	loan_id       TEXT NOT NULL,          -- the open loan while on loan, else ''
	note          TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);
CREATE INDEX device_items_location ON device_items(location_code, status);
CREATE INDEX device_items_kind ON device_items(kind_id, status);
CREATE TABLE device_item_events (
	id            TEXT PRIMARY KEY,
	item_id       TEXT NOT NULL REFERENCES device_items(id),
	seq           INTEGER NOT NULL,
	at            TEXT NOT NULL,
	actor_id      TEXT NOT NULL,
	actor_name    TEXT NOT NULL,
	action        TEXT NOT NULL,          -- an Action
	day           TEXT NOT NULL,          -- the day it happened (YYYY-MM-DD)
	from_status   TEXT NOT NULL,
	to_status     TEXT NOT NULL,
	location_code TEXT NOT NULL,          -- where the item is after the event
	condition     TEXT NOT NULL,          -- its condition after the event
	loan_id       TEXT NOT NULL,
	note          TEXT NOT NULL
);
CREATE UNIQUE INDEX device_item_events_item ON device_item_events(item_id, seq);
CREATE TABLE device_sequences (
	name TEXT PRIMARY KEY,                -- kind code and year of asset numbers
	n    BIGINT NOT NULL
);
`,
	Go: seedCatalogue,
}, {
	Version: 2026113031,
	Name:    "device_loans_notices_settings",
	SQL: `
CREATE TABLE device_loans (
	id              TEXT PRIMARY KEY,
	item_id         TEXT NOT NULL REFERENCES device_items(id),
	kind_id         TEXT NOT NULL REFERENCES device_kinds(id),
	person_id       TEXT NOT NULL,
	person_name     TEXT NOT NULL,
	village_code    TEXT NOT NULL,        -- the person's household village when lent: scope
	location_code   TEXT NOT NULL,        -- where the item was kept when lent
	lent_on         TEXT NOT NULL,
	due_on          TEXT NOT NULL,        -- after an extension, the extended day
	first_due_on    TEXT NOT NULL,        -- the due day set when lent
	deposit_fen     BIGINT NOT NULL,      -- 押金
	rent_fen        BIGINT NOT NULL,      -- 月租金
	case_id         TEXT NOT NULL,        -- programme case (fitting) id, free text for now
	override_reason TEXT NOT NULL,        -- why a second item of a kind was lent
	status          TEXT NOT NULL,        -- open, returned, lost
	extend_reason   TEXT NOT NULL,        -- '' until extended (once)
	returned_on     TEXT NOT NULL,
	return_condition TEXT NOT NULL,
	lost_on         TEXT NOT NULL,
	note            TEXT NOT NULL,        -- return or loss note
	created_by      TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL
);
CREATE INDEX device_loans_area ON device_loans(village_code, status, due_on);
CREATE INDEX device_loans_person ON device_loans(person_id, status);
CREATE INDEX device_loans_item ON device_loans(item_id, lent_on);
CREATE INDEX device_loans_status ON device_loans(status, due_on);
-- The backstop of "one open loan per item".
CREATE UNIQUE INDEX device_loans_open_item ON device_loans(item_id) WHERE status = 'open';
CREATE TABLE device_notices (
	id           TEXT PRIMARY KEY,
	loan_id      TEXT NOT NULL REFERENCES device_loans(id),
	person_id    TEXT NOT NULL,
	village_code TEXT NOT NULL,
	phone        TEXT NOT NULL,
	kind         TEXT NOT NULL,           -- overdue
	body         TEXT NOT NULL,
	status       TEXT NOT NULL,           -- queued, no_phone
	notice_day   TEXT NOT NULL,           -- the day the job ran for
	created_at   TEXT NOT NULL
);
-- One notice per loan per kind per day, so the job may run twice.
CREATE UNIQUE INDEX device_notices_day ON device_notices(loan_id, kind, notice_day);
CREATE INDEX device_notices_area ON device_notices(village_code, created_at);
CREATE TABLE device_settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
`}, sealedMigration}

// seedCatalogue writes the default catalogue (DefaultKinds) once, when the
// tables are made; the county edits it afterwards.
func seedCatalogue(ctx context.Context, tx *sql.Tx) error {
	now := store.Now()
	for _, k := range DefaultKinds {
		if _, err := tx.ExecContext(ctx, `INSERT INTO device_kinds (id, code, name, class, unit_value_fen, loanable, loan_days, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, store.NewID(), k.Code, k.Name, string(k.Class), k.UnitValueFen, k.Loanable, k.LoanDays, true, now); err != nil {
			return err
		}
	}
	return nil
}
