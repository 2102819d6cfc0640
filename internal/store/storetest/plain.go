package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// NoPlaintext fails the test for every cell of the tables that holds one
// of the secrets in the clear: the check of the sealed-at-rest tests,
// which read the rows as stored, whatever their columns.
func NoPlaintext(t testing.TB, db *store.DB, tables []string, secrets []string) {
	t.Helper()
	ctx := context.Background()
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			n++
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
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
					if secret != "" && strings.Contains(s, secret) {
						t.Errorf("%s.%s holds %s in the clear: %.80s", table, cols[i], secret, s)
					}
				}
			}
		}
		rows.Close()
		if n == 0 {
			t.Errorf("%s has no rows: nothing was checked", table)
		}
	}
}
