// Package crypt encrypts personal data at rest (PIPL; 等保三级 §9): ID
// numbers, certificate numbers, phones, bank accounts and the registry's
// history are stored sealed with AES-256-GCM, and found again through a
// keyed hash (blind index) of the normalised value.
//
// The keys live in one file outside the database (the data directory's
// yangguang.key by default), created on first start with mode 0600. The
// file holds every data key ever used — a row names the key that sealed it,
// so backups taken before a rotation stay readable — the current one, and
// the index key. `yangguang keys rotate` adds a key, makes it current and
// re-seals the rows in batches while the server runs: a server that meets
// a key it does not know reloads the file.
//
// The keyring is process-wide (Install), because the values are sealed and
// opened deep inside queries that see only a store.Querier; one process
// serves one data directory.
package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Prefix starts every sealed value: "enc1:<key id>:<base64 of nonce‖ciphertext‖tag>".
// The empty string is stored as itself: "no phone" is not a secret, and
// queries such as phone = ” keep working.
const Prefix = "enc1:"

// file is the key file's JSON.
type file struct {
	Version  int               `json:"version"`
	Current  string            `json:"current"`
	IndexKey string            `json:"index_key"` // base64, 32 bytes; never rotated
	Keys     map[string]string `json:"keys"`      // id → base64, 32 bytes
	Created  map[string]string `json:"created,omitempty"`
}

// Keyring is a loaded key file.
type Keyring struct {
	path   string
	pinned bool // the test keyring: Use keeps it

	mu       sync.RWMutex
	current  string
	aeads    map[string]cipher.AEAD
	indexKey []byte
	modTime  time.Time
	checked  atomic.Int64 // unix nanos of the last look at the file
}

var active atomic.Pointer[Keyring]

// Install makes k the process's keyring.
func Install(k *Keyring) { active.Store(k) }

// Active is the installed keyring; nil before Install.
func Active() *Keyring { return active.Load() }

func must() *Keyring {
	k := active.Load()
	if k == nil {
		panic("crypt: no key loaded (the CLI loads the data directory's key file before opening the database)")
	}
	return k
}

// DefaultPath is where a data directory keeps its key file.
func DefaultPath(dataDir string) string { return filepath.Join(dataDir, "yangguang.key") }

// LoadOrCreate reads the key file at path, creating it (and its directory)
// with fresh random keys and mode 0600 when it does not exist. A key file
// readable by others is refused: the key is what the encryption is worth.
func LoadOrCreate(path string) (*Keyring, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("创建密钥目录失败: %w", err)
		}
		f := file{Version: 1, Current: "k1", IndexKey: newKey(), Keys: map[string]string{"k1": newKey()},
			Created: map[string]string{"k1": time.Now().UTC().Format(time.RFC3339)}}
		if err := writeFile(path, f, true); err != nil {
			return nil, err
		}
	}
	return Load(path)
}

// Load reads an existing key file.
func Load(path string) (*Keyring, error) {
	k := &Keyring{path: path}
	if err := k.reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Reload reads the key file again (after Rotate).
func (k *Keyring) Reload() error { return k.reload() }

// Path is the key file the keyring was read from.
func (k *Keyring) Path() string { return k.path }

// Current is the id of the key new values are sealed with.
func (k *Keyring) Current() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

func (k *Keyring) reload() error {
	st, err := os.Stat(k.path)
	if err != nil {
		return fmt.Errorf("读取密钥文件 %s 失败: %w", k.path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("密钥文件 %s 的权限为 %o，其他用户可读；请执行 chmod 600", k.path, st.Mode().Perm())
	}
	f, err := readFile(k.path)
	if err != nil {
		return err
	}
	aeads := map[string]cipher.AEAD{}
	for id, b64 := range f.Keys {
		raw, err := decodeKey(b64)
		if err != nil {
			return fmt.Errorf("密钥文件 %s 中的密钥 %s 无效: %w", k.path, id, err)
		}
		block, _ := aes.NewCipher(raw)
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return err
		}
		aeads[id] = aead
	}
	idx, err := decodeKey(f.IndexKey)
	if err != nil {
		return fmt.Errorf("密钥文件 %s 中的索引密钥无效: %w", k.path, err)
	}
	if aeads[f.Current] == nil {
		return fmt.Errorf("密钥文件 %s 的当前密钥 %q 不存在", k.path, f.Current)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.indexKey != nil && !hmac.Equal(k.indexKey, idx) {
		return fmt.Errorf("密钥文件 %s 的索引密钥被更换：已有的检索索引将全部失效，拒绝加载", k.path)
	}
	k.current, k.aeads, k.indexKey, k.modTime = f.Current, aeads, idx, st.ModTime()
	k.checked.Store(time.Now().UnixNano())
	return nil
}

// refresh reloads the file when it changed, looking at most once a second:
// a rotation run by the CLI beside a running server takes effect here
// within a second, so the server seals with the new key too.
func (k *Keyring) refresh() {
	now := time.Now().UnixNano()
	last := k.checked.Load()
	if now-last < int64(time.Second) || !k.checked.CompareAndSwap(last, now) {
		return
	}
	st, err := os.Stat(k.path)
	if err != nil {
		return
	}
	k.mu.RLock()
	same := st.ModTime().Equal(k.modTime)
	k.mu.RUnlock()
	if !same {
		_ = k.reload() // a bad file keeps the keys already loaded
	}
}

// Seal encrypts plain for the field kind (bound in as additional data, so
// a value copied into another kind of column does not open). "" stays "".
func Seal(kind, plain string) string { return must().Seal(kind, plain) }

// Seal is the package-level Seal with this keyring.
func (k *Keyring) Seal(kind, plain string) string {
	if plain == "" {
		return ""
	}
	k.refresh()
	k.mu.RLock()
	id, aead := k.current, k.aeads[k.current]
	k.mu.RUnlock()
	return sealWith(id, aead, kind, plain)
}

func sealWith(id string, aead cipher.AEAD, kind, plain string) string {
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		panic("crypt: no randomness: " + err.Error())
	}
	buf = aead.Seal(buf, buf, []byte(plain), []byte(kind))
	return Prefix + id + ":" + base64.RawStdEncoding.EncodeToString(buf)
}

// ErrNotSealed is returned for a non-empty value without the prefix:
// plain text where only sealed values belong.
var ErrNotSealed = errors.New("crypt: value is not sealed")

// Open decrypts a sealed value of the field kind. "" opens to "".
func Open(kind, sealed string) (string, error) { return must().Open(kind, sealed) }

// Open is the package-level Open with this keyring.
func (k *Keyring) Open(kind, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	id, data, ok := split(sealed)
	if !ok {
		return "", ErrNotSealed
	}
	k.mu.RLock()
	aead := k.aeads[id]
	k.mu.RUnlock()
	if aead == nil {
		// Sealed by a key added after we loaded the file: a rotation.
		if err := k.reload(); err != nil {
			return "", err
		}
		k.mu.RLock()
		aead = k.aeads[id]
		k.mu.RUnlock()
		if aead == nil {
			return "", fmt.Errorf("crypt: unknown key %q", id)
		}
	}
	raw, err := base64.RawStdEncoding.DecodeString(data)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", fmt.Errorf("crypt: malformed sealed %s", kind)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(kind))
	if err != nil {
		return "", fmt.Errorf("crypt: sealed %s does not open (wrong key or altered)", kind)
	}
	return string(plain), nil
}

// OpenAll opens several sealed values in place, stopping at the first error.
func OpenAll(pairs ...any) error {
	if len(pairs)%2 != 0 {
		panic("crypt: OpenAll takes kind, *string pairs")
	}
	for i := 0; i < len(pairs); i += 2 {
		kind, p := pairs[i].(string), pairs[i+1].(*string)
		v, err := Open(kind, *p)
		if err != nil {
			return err
		}
		*p = v
	}
	return nil
}

// KeyOf is the key id a sealed value names ("" for "" or a plain value).
func KeyOf(sealed string) string {
	id, _, ok := split(sealed)
	if !ok {
		return ""
	}
	return id
}

func split(s string) (id, data string, ok bool) {
	if !strings.HasPrefix(s, Prefix) {
		return "", "", false
	}
	rest := s[len(Prefix):]
	i := strings.IndexByte(rest, ':')
	if i <= 0 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}

// Index is the blind index of a normalised value of the field kind: 32 hex
// characters of HMAC-SHA-256 under the index key, for exact lookups and
// uniqueness. "" stays "". The same value gives the same index for the life
// of the data directory; without the key file it reveals nothing.
func Index(kind, value string) string { return must().Index(kind, value) }

// Index is the package-level Index with this keyring.
func (k *Keyring) Index(kind, value string) string {
	if value == "" {
		return ""
	}
	k.mu.RLock()
	key := k.indexKey
	k.mu.RUnlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Rotate adds a fresh data key to the key file and makes it current,
// returning the new and the previous key ids. The file is replaced
// atomically; old keys stay in it so older rows and backups still open.
func Rotate(path string) (newID, oldID string, err error) {
	f, err := readFile(path)
	if err != nil {
		return "", "", err
	}
	n := 1
	for id := range f.Keys {
		if v, err := strconv.Atoi(strings.TrimPrefix(id, "k")); err == nil && v >= n {
			n = v + 1
		}
	}
	newID = "k" + strconv.Itoa(n)
	f.Keys[newID] = newKey()
	if f.Created == nil {
		f.Created = map[string]string{}
	}
	f.Created[newID] = time.Now().UTC().Format(time.RFC3339)
	oldID, f.Current = f.Current, newID
	return newID, oldID, writeFile(path, f, false)
}

// KeyIDs lists the key ids in the file, oldest first.
func (k *Keyring) KeyIDs() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	ids := make([]string, 0, len(k.aeads))
	for id := range k.aeads {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(ids[i], "k"))
		b, _ := strconv.Atoi(strings.TrimPrefix(ids[j], "k"))
		return a < b
	})
	return ids
}

func newKey() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypt: no randomness: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(b)
}

func decodeKey(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("want 32 bytes, have %d", len(b))
	}
	return b, nil
}

func readFile(path string) (file, error) {
	var f file
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("读取密钥文件 %s 失败: %w", path, err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("密钥文件 %s 格式错误: %w", path, err)
	}
	if f.Version != 1 || len(f.Keys) == 0 {
		return f, fmt.Errorf("密钥文件 %s 格式错误：版本或密钥缺失", path)
	}
	return f, nil
}

// writeFile writes the key file through a temporary file and a rename, so
// a crash leaves the old file or the new one, never half of one. create
// refuses to replace an existing file (two processes starting at once).
func writeFile(path string, f file, create bool) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".yangguang.key.*")
	if err != nil {
		return fmt.Errorf("写入密钥文件失败: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if create {
		// Link fails if the file appeared meanwhile; the loser loads the winner's keys.
		if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("写入密钥文件失败: %w", err)
		}
		return syncDir(filepath.Dir(path))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("写入密钥文件失败: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil // not every platform opens directories (Windows)
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}

// Use loads (or creates) the key file at path and installs it: what every
// command does before it opens the database. In a test binary whose
// keyring was pinned by ForTests, the test keys stay in use and nothing is
// written at path (a test that hands a data directory to a child process
// copies the keys there with CopyTo).
func Use(path string) (*Keyring, error) {
	if cur := active.Load(); cur != nil && (cur.pinned || cur.path == path) {
		return cur, nil
	}
	k, err := LoadOrCreate(path)
	if err != nil {
		return nil, err
	}
	Install(k)
	return k, nil
}

// CopyTo writes the keyring's file to path (mode 0600), for tests that hand
// a data directory to a child process.
func (k *Keyring) CopyTo(path string) error {
	f, err := readFile(k.path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeFile(path, f, true)
}

// ForTests installs a keyring with fixed keys kept in a temp file, once per
// process: every test database of a test binary shares it, as one server
// shares its data directory's key. Not for production use.
func ForTests() *Keyring {
	if k := active.Load(); k != nil {
		return k
	}
	testOnce.Do(func() {
		dir, err := os.MkdirTemp("", "yangguang-testkey")
		if err != nil {
			panic(err)
		}
		key := func(b byte) string {
			return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(rune('a'+b)), 32)))
		}
		path := filepath.Join(dir, "yangguang.key")
		if err := writeFile(path, file{Version: 1, Current: "k1", IndexKey: key(0), Keys: map[string]string{"k1": key(1)}}, true); err != nil {
			panic(err)
		}
		k, err := Load(path)
		if err != nil {
			panic(err)
		}
		k.pinned = true
		active.CompareAndSwap(nil, k)
	})
	return active.Load()
}

var testOnce sync.Once

// Column is a sealed column: what `keys rotate` re-seals. Key is the
// table's primary key column (a single TEXT or integer column) or, for a
// table keyed by several, a TEXT expression of them that is unique per row
// (levy_employees: declaration_id || '/' || CAST(seq AS TEXT)).
type Column struct{ Table, Key, Column, Kind string }

var (
	colMu   sync.Mutex
	columns []Column
)

// RegisterColumns declares sealed columns; each area declares its own.
func RegisterColumns(cs ...Column) {
	colMu.Lock()
	defer colMu.Unlock()
	columns = append(columns, cs...)
}

// Columns are the declared sealed columns.
func Columns() []Column {
	colMu.Lock()
	defer colMu.Unlock()
	return append([]Column(nil), columns...)
}
