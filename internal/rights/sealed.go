package rights

import (
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

// The caller's phone is stored sealed (package crypt), as the registry's
// phones are, with the registry's blind index so a caller's earlier cases
// can be found by number without the number in the clear. The table is new:
// no plain value was ever written, so no sealing migration is needed.
func init() {
	crypt.RegisterColumns(crypt.Column{Table: "rights_cases", Key: "id", Column: "caller_phone", Kind: registry.KindPhone})
}
