package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Personal numbers are stored sealed and found by their blind indexes: no
// column of persons, person_history or audit_log holds the ID number, the
// certificate number or a phone in the clear, and every kind of search by
// them still finds the person (and only the person).
func TestPersonalNumbersSealedAtRest(t *testing.T) {
	db, ctx := setup(t)
	n := registry.NewPerson{IDNumber: idNumber(1962, time.March, 14, 7, registry.SexFemale), Name: "周秀兰", VillageCode: villageA,
		Category: registry.Physical, Grade: 2, Phone: "13955501234", GuardianName: "周强", GuardianRelation: "子女", GuardianPhone: "0556-5123456"}
	p := mustCreate(t, db, ctx, n)
	other := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1970, time.May, 2, 11, registry.SexMale), Name: "吴刚",
		VillageCode: villageB, Category: registry.Vision, Grade: 1, Phone: "13800000000"})
	upd := n
	upd.Phone = "13955509999"
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := registry.Update(ctx, tx, area.ScopeOf(county), p.ID, registry.UpdatePerson{NewPerson: upd, Reason: "换号", Version: p.Version})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	secrets := []string{p.IDNumber, p.CertificateNo, "13955501234", "13955509999", "05565123456", other.IDNumber}
	for _, table := range []string{"persons", "person_history", "audit_log"} {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var s string
				switch x := v.(type) {
				case string:
					s = x
				case []byte:
					s = string(x)
				}
				for _, secret := range secrets {
					if strings.Contains(s, secret) {
						t.Errorf("%s.%s holds %s in the clear: %.80s", table, cols[i], secret, s)
					}
				}
			}
		}
		rows.Close()
	}
	var sealed string
	if err := db.QueryRowContext(ctx, `SELECT id_number FROM persons WHERE id = $1`, p.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, crypt.Prefix) {
		t.Errorf("id_number stored as %q, want a sealed value", sealed)
	}
	// A sealed value copied into another kind of column does not open.
	if _, err := crypt.Open(registry.KindPhone, sealed); err == nil {
		t.Error("an ID number opened as a phone")
	}

	got, err := registry.Get(ctx, db, area.ScopeOf(county), p.ID)
	if err != nil || got.IDNumber != p.IDNumber || got.Phone != "13955509999" || got.GuardianPhone != "05565123456" || got.CertificateNo != p.CertificateNo {
		t.Fatalf("read back %+v, %v", got, err)
	}
	hist, err := registry.History(ctx, db, area.ScopeOf(county), p.ID)
	if err != nil || len(hist) != 2 || !strings.Contains(hist[0].Before, "13955501234") || !strings.Contains(hist[0].After, "13955509999") {
		t.Fatalf("history opens to %+v, %v", hist, err)
	}

	id := p.IDNumber
	for _, c := range []struct{ query, want string }{
		{id, p.ID},
		{strings.ToLower(id[:6]) + " " + id[6:], p.ID},
		{id[14:], p.ID}, // last 4
		{id[13:], p.ID}, // last 5
		{id[12:], p.ID}, // last 6
		{p.CertificateNo, p.ID},
		{"139 5550 9999", p.ID},
		{"0556-5123456", p.ID}, // the guardian's phone
		{"13955501234", ""},    // the old phone finds nobody
		{other.IDNumber[14:], other.ID},
	} {
		found, err := registry.Search(ctx, db, area.ScopeOf(county), registry.Filter{Query: c.query, Today: today, Limit: 10})
		if err != nil {
			t.Fatalf("%q: %v", c.query, err)
		}
		var ids []string
		for _, f := range found {
			ids = append(ids, f.ID)
		}
		if want := c.want; (want == "" && len(ids) != 0) || (want != "" && (len(ids) != 1 || ids[0] != want)) {
			t.Errorf("search %q found %v, want %q", c.query, ids, want)
		}
	}
	if g, err := registry.GetByIDNumber(ctx, db, area.ScopeOf(townB), p.IDNumber); err != store.ErrNotFound {
		t.Errorf("found outside the scope: %+v %v", g, err)
	}
	if _, err := registry.GetByIDNumber(ctx, db, area.ScopeOf(townA), strings.ToLower(p.IDNumber)); err != nil {
		t.Errorf("by ID number: %v", err)
	}
	// The audit log keeps the change, masked.
	rows, err := audit.Search(ctx, db, audit.Filter{Object: p.ID, Action: "person.update"})
	if err != nil || len(rows) != 1 || !strings.Contains(rows[0].After, `"phone":"139****9999"`) {
		t.Errorf("audit of the change: %+v %v", rows, err)
	}
}
