package registry

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// initialsArgs asks go-pinyin for the first letter of each character's
// most common reading (a surname read otherwise, such as 曾 zēng, is then
// found by its common reading too: users type what they hear most).
var initialsArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.FirstLetter
	return a
}()

// NameInitials returns the pinyin initials of a name, lower case: 张三丰 →
// "zsf". Latin letters are kept (lower-cased), digits and punctuation such
// as the middle dot of minority names (·) are dropped.
func NameInitials(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Han, r):
			if p := pinyin.SinglePinyin(r, initialsArgs); len(p) > 0 && p[0] != "" {
				b.WriteString(p[0])
			}
		}
	}
	return b.String()
}
