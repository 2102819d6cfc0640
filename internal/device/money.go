package device

import (
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/settings"
)

// ParseYuan reads an amount in yuan as staff type it ("50", "50.5",
// "1,200.00", "¥30") into fen, exactly; ok is false for anything else, a
// negative amount or more than two decimals. The settings read money the
// same way.
func ParseYuan(s string) (int64, bool) { return settings.ParseYuan(s) }

// Yuan writes fen as yuan with two decimals (1234 → "12.34").
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}
