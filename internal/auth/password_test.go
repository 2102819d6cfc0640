package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestHashAndCheckPassword(t *testing.T) {
	h, err := HashPassword("Sunny#2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected hash format %s", h)
	}
	if !CheckPassword(h, "Sunny#2026") {
		t.Fatal("right password refused")
	}
	for _, wrong := range []string{"sunny#2026", "", "Sunny#2027"} {
		if CheckPassword(h, wrong) {
			t.Fatalf("wrong password %q accepted", wrong)
		}
	}
	h2, _ := HashPassword("Sunny#2026")
	if h == h2 {
		t.Fatal("same salt used twice")
	}
	if CheckPassword("$2a$10$bcrypt", "x") {
		t.Fatal("foreign hash accepted")
	}
}

func TestPasswordRules(t *testing.T) {
	cases := []struct {
		pw, user, key string
	}{
		{"Ab1#", "", "password.rule.length"},
		{"abcdefgh", "", "password.rule.classes"},
		{"abcdefg1", "", "password.rule.classes"},
		{"Abcdefg1", "", ""},
		{"abcdef1#", "", ""},
		{"阳光abc12#", "", ""},
		{"Zhang123!", "zhang", "password.rule.username"},
	}
	for _, c := range cases {
		err := DefaultPolicy.CheckNewPassword(c.pw, c.user)
		var weak ErrWeakPassword
		switch {
		case c.key == "" && err != nil:
			t.Errorf("%q refused: %v", c.pw, err)
		case c.key != "" && (!errors.As(err, &weak) || weak.Key != c.key):
			t.Errorf("%q: got %v, want %s", c.pw, err, c.key)
		}
	}
	for i := 0; i < 50; i++ {
		if pw := GeneratePassword(DefaultPolicy); DefaultPolicy.CheckNewPassword(pw, "") != nil || len(pw) != 12 {
			t.Fatalf("generated password %q breaks the rules", pw)
		}
	}
}

// The security administrator may ask for longer passwords or all four
// classes; the messages say the number in force, and generated passwords
// meet the stricter rules too.
func TestStricterPasswordRules(t *testing.T) {
	p := DefaultPolicy
	p.PasswordMinLength, p.PasswordClasses = 14, 4
	cases := []struct {
		pw, key string
		arg     int
	}{
		{"Abcdef1#xyzuv", "password.rule.length", 14},  // 13 characters
		{"Abcdefg1xyzuvw", "password.rule.classes", 4}, // no symbol
		{"Abcdefg1#yzuvw", "", 0},
	}
	for _, c := range cases {
		err := p.CheckNewPassword(c.pw, "")
		var weak ErrWeakPassword
		switch {
		case c.key == "" && err != nil:
			t.Errorf("%q refused: %v", c.pw, err)
		case c.key != "" && (!errors.As(err, &weak) || weak.Key != c.key || len(weak.Args) != 1 || weak.Args[0] != c.arg):
			t.Errorf("%q: got %#v, want %s %d", c.pw, err, c.key, c.arg)
		}
	}
	for i := 0; i < 50; i++ {
		if pw := GeneratePassword(p); p.CheckNewPassword(pw, "") != nil || len(pw) != 14 {
			t.Fatalf("generated password %q breaks the stricter rules", pw)
		}
	}
}
