package registry_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// full is a person with every detail filled in.
func full(id string) registry.NewPerson {
	return registry.NewPerson{IDNumber: id, Name: "张三丰", VillageCode: villageA, Category: registry.Multiple,
		Components:           []registry.Component{{Category: registry.Physical, Grade: registry.Grade3}, {Category: registry.Hearing, Grade: registry.Grade2}},
		ResidenceVillageCode: villageC, HouseholdAddress: "团结社区3组12号", ResidenceAddress: "陈楼村东头",
		Phone: "138 1234 5678", GuardianName: "张大", GuardianRelation: "父子", GuardianPhone: "0557-1234567",
		Dibao: true, PovertyRegistered: true, Education: "junior", Employment: "rural", Marital: "married",
		MedicalInsurance: true, CertificateIssuedOn: "2016-11-29"}
}

func TestCreateKeepsEveryDetail(t *testing.T) {
	db, ctx := setup(t)
	p := mustCreate(t, db, ctx, full(idNumber(1960, 5, 6, 11, registry.SexMale)))
	if p.Grade != registry.Grade2 || p.CertificateNo != p.IDNumber+"72" {
		t.Errorf("多重 grade %d, certificate %s: want the most severe component's grade", p.Grade, p.CertificateNo)
	}
	if p.Phone != "13812345678" || p.GuardianPhone != "05571234567" || p.NameInitials != "zsf" {
		t.Errorf("normalised: phone %q guardian %q initials %q", p.Phone, p.GuardianPhone, p.NameInitials)
	}
	if p.CertificateExpiresOn != "2026-11-28" || !p.CertificateExpired(today.AddDate(0, 0, 1)) || p.CertificateExpired(today) {
		t.Errorf("a card issued 2016-11-29 is valid through %s", p.CertificateExpiresOn)
	}
	want := []registry.Component{{Category: registry.Hearing, Grade: registry.Grade2}, {Category: registry.Physical, Grade: registry.Grade3}}
	if !reflect.DeepEqual(p.Components, want) {
		t.Errorf("components %+v, want %+v (category order)", p.Components, want)
	}
	got, err := registry.Get(ctx, db, area.ScopeOf(county), p.ID)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("Get = %+v, %v\nwant %+v", got, err, p)
	}
	in := got.Input()
	in2 := full(p.IDNumber)
	in2.Phone, in2.GuardianPhone, in2.Grade, in2.Components = "13812345678", "05571234567", registry.Grade2, want
	if !reflect.DeepEqual(in, in2) {
		t.Errorf("Input = %+v\nwant %+v", in, in2)
	}
	if byID, err := registry.GetByIDNumber(ctx, db, area.ScopeOf(townA), p.IDNumber[:6]+p.IDNumber[8:17]); err != nil || byID.ID != p.ID {
		t.Errorf("GetByIDNumber (15-digit form) = %v, %v", byID.ID, err)
	}
	if _, err := registry.GetByIDNumber(ctx, db, area.ScopeOf(townB), p.IDNumber); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetByIDNumber outside the scope: %v", err)
	}
}

func TestCreateValidatesDetails(t *testing.T) {
	db, ctx := setup(t)
	cases := []struct {
		name  string
		edit  func(*registry.NewPerson)
		field string
		key   string
	}{
		{"bad phone", func(n *registry.NewPerson) { n.Phone = "12345" }, "person.phone", "person.error.phone"},
		{"bad guardian phone", func(n *registry.NewPerson) { n.GuardianPhone = "电话" }, "person.guardian_phone", "person.error.phone"},
		{"unknown education", func(n *registry.NewPerson) { n.Education = "phd" }, "person.education", "validate.choose"},
		{"unknown employment", func(n *registry.NewPerson) { n.Employment = "x" }, "person.employment", "validate.choose"},
		{"unknown marital", func(n *registry.NewPerson) { n.Marital = "x" }, "person.marital", "validate.choose"},
		{"residence outside scope", func(n *registry.NewPerson) { n.ResidenceVillageCode = villageB }, "person.residence_village", "person.error.village_outside"},
		{"residence a township", func(n *registry.NewPerson) { n.ResidenceVillageCode = townA }, "person.residence_village", "person.error.not_village"},
		{"residence unknown", func(n *registry.NewPerson) { n.ResidenceVillageCode = "341599001999" }, "person.residence_village", "person.error.unknown_village"},
		{"components without 多重", func(n *registry.NewPerson) { n.Category = registry.Physical; n.Grade = registry.Grade3 }, "person.components", "person.error.components_not_multiple"},
		{"one component", func(n *registry.NewPerson) { n.Components = n.Components[:1] }, "person.components", "person.error.components_few"},
		{"component twice", func(n *registry.NewPerson) {
			n.Components = []registry.Component{{Category: registry.Vision, Grade: registry.Grade1}, {Category: registry.Vision, Grade: registry.Grade2}}
		}, "person.components", "person.error.component_twice"},
		{"component 多重", func(n *registry.NewPerson) { n.Components[0].Category = registry.Multiple }, "person.components", "person.error.component_category"},
		{"component without grade", func(n *registry.NewPerson) { n.Components[0].Grade = 0 }, "person.components", "person.error.component_grade"},
		{"grade not the most severe", func(n *registry.NewPerson) { n.Grade = registry.Grade4 }, "person.grade", "person.error.multiple_grade"},
		{"issue date not a date", func(n *registry.NewPerson) { n.CertificateIssuedOn = "2020-02-30" }, "person.certificate_issued_on", "person.error.date"},
		{"issue date in the future", func(n *registry.NewPerson) { n.CertificateIssuedOn = "2026-11-29" }, "person.certificate_issued_on", "person.error.date_future"},
		{"issued before birth", func(n *registry.NewPerson) { n.CertificateIssuedOn = "1959-01-01" }, "person.certificate_issued_on", "person.error.date_before_birth"},
		{"address too long", func(n *registry.NewPerson) { n.HouseholdAddress = string(make([]rune, 201)) }, "person.household_address", "person.error.too_long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := full(idNumber(1960, 5, 6, 13, registry.SexMale))
			c.edit(&n)
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := registry.Create(ctx, tx, area.ScopeOf(townA), n, today)
				return err
			})
			var es validate.Errors
			if !errors.As(err, &es) || !hasError(es, c.field, c.key) {
				t.Errorf("error %v, want %s on %s", err, c.key, c.field)
			}
		})
	}
	if n := count(t, db, "persons"); n != 0 {
		t.Errorf("%d persons written by refused creations", n)
	}
}
