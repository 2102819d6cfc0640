package crypt_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/crypt"
)

func newKeyring(t *testing.T) (*crypt.Keyring, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys", "yangguang.key")
	k, err := crypt.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	return k, path
}

// The key file is created on first start, readable by its owner only, and
// a second start reads the same keys.
func TestKeyFileCreatedPrivateAndReused(t *testing.T) {
	k, path := newKeyring(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %o, want 600", st.Mode().Perm())
	}
	sealed := k.Seal("phone", "13800001111")
	again, err := crypt.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open("phone", sealed); err != nil || got != "13800001111" {
		t.Errorf("reopened keyring opens %q, %v", got, err)
	}
	if k.Index("phone", "13800001111") != again.Index("phone", "13800001111") {
		t.Error("blind index differs after a restart")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := crypt.Load(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key file readable by others was accepted: %v", err)
	}
}

func TestSealOpenIndex(t *testing.T) {
	k, _ := newKeyring(t)
	other, _ := newKeyring(t)
	a, b := k.Seal("id_number", "34159919620314007X"), k.Seal("id_number", "34159919620314007X")
	if a == b {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if !strings.HasPrefix(a, crypt.Prefix+"k1:") || strings.Contains(a, "34159919620314007X") {
		t.Errorf("sealed form %q", a)
	}
	for _, c := range []struct {
		name, kind, sealed string
		ok                 bool
	}{
		{"same kind", "id_number", a, true},
		{"other kind (moved between columns)", "phone", a, false},
		{"altered", "id_number", a[:len(a)-3] + "AAA", false},
		{"truncated", "id_number", a[:20], false},
		{"plain text", "id_number", "34159919620314007X", false},
		{"empty", "id_number", "", true},
	} {
		got, err := k.Open(c.kind, c.sealed)
		if (err == nil) != c.ok {
			t.Errorf("%s: Open = %q, %v", c.name, got, err)
		}
	}
	if _, err := other.Open("id_number", a); err == nil {
		t.Error("another data directory's key opened the value")
	}
	if k.Seal("phone", "") != "" || k.Index("phone", "") != "" {
		t.Error("empty values must stay empty")
	}
	if k.Index("id_number", "1") == k.Index("phone", "1") {
		t.Error("blind indexes of different kinds collide")
	}
	if k.Index("phone", "1") == other.Index("phone", "1") {
		t.Error("two key files give the same blind index")
	}
	if len(k.Index("phone", "13800001111")) != 32 {
		t.Error("blind index length")
	}
}

// After a rotation the new key seals, every older value still opens, the
// blind index is unchanged (lookups keep working during the re-seal), and
// a keyring loaded before the rotation opens values of the new key by
// reloading the file — a running server beside `keys rotate`.
func TestRotate(t *testing.T) {
	k, path := newKeyring(t)
	server, err := crypt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	old := k.Seal("bank_account", "6222021234567890")
	idx := k.Index("bank_account", "6222021234567890")
	newID, oldID, err := crypt.Rotate(path)
	if err != nil || newID != "k2" || oldID != "k1" {
		t.Fatalf("Rotate = %q, %q, %v", newID, oldID, err)
	}
	if err := k.Reload(); err != nil {
		t.Fatal(err)
	}
	fresh := k.Seal("bank_account", "6222021234567890")
	if crypt.KeyOf(fresh) != "k2" || crypt.KeyOf(old) != "k1" {
		t.Errorf("keys of values: %q %q", crypt.KeyOf(old), crypt.KeyOf(fresh))
	}
	for _, s := range []string{old, fresh} {
		if got, err := server.Open("bank_account", s); err != nil || got != "6222021234567890" {
			t.Errorf("server opens %q: %q %v", s[:12], got, err)
		}
	}
	if k.Index("bank_account", "6222021234567890") != idx {
		t.Error("rotation changed the blind index")
	}
	if ids := k.KeyIDs(); len(ids) != 2 || ids[0] != "k1" || ids[1] != "k2" {
		t.Errorf("key ids %v", ids)
	}
}
