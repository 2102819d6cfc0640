package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// accountWrite is SQL that changes accounts or sessions.
var accountWrite = regexp.MustCompile(`(?i)\b(UPDATE|INSERT INTO|DELETE FROM)\s+(users|sessions)\b`)

// cacheExempt are the writes that need not drop cached principals, each
// with its reason (file: the SQL's start).
var cacheExempt = map[string]string{
	"totp.go: UPDATE users SET totp_pending":         "a secret offered for enrolment: no principal shows it",
	"user.go: INSERT INTO users":                     "a new account has no cached principal",
	"session.go: DELETE FROM sessions WHERE id = $1": "Resolve ending an idle or expired session it found uncached",
	"session.go: UPDATE sessions SET last_seen_at":   "Resolve's touch; the cache keeps the time it saw",
}

// Every function anywhere in internal/ that writes users or sessions is in
// this package and calls forgetPrincipals, or is listed in cacheExempt
// with its reason: a cached principal must never outlive a change of role,
// scope, password, lock or session (session.go).
func TestEveryAccountWriterForgetsPrincipals(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			switch fn := n.(type) {
			case *ast.FuncDecl:
				body = fn.Body
			default:
				return true
			}
			if body == nil {
				return false
			}
			forgets := false
			var writes []string
			ast.Inspect(body, func(m ast.Node) bool {
				switch x := m.(type) {
				case *ast.CallExpr:
					if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "forgetPrincipals" {
						forgets = true
					}
				case *ast.BasicLit:
					if x.Kind == token.STRING {
						if s, err := strconv.Unquote(x.Value); err == nil && accountWrite.MatchString(s) {
							writes = append(writes, strings.Join(strings.Fields(s[accountWrite.FindStringIndex(s)[0]:]), " "))
						}
					}
				}
				return true
			})
			for _, w := range writes {
				where := fset.Position(body.Pos()).String()
				if filepath.Dir(path) != "../auth" {
					t.Errorf("%s writes accounts or sessions outside package auth: %q", where, w)
					continue
				}
				if forgets {
					continue
				}
				exempt := false
				for k := range cacheExempt {
					file, prefix, _ := strings.Cut(k, ": ")
					if filepath.Base(path) == file && strings.HasPrefix(w, prefix) {
						exempt, seen[k] = true, true
					}
				}
				if !exempt {
					t.Errorf("%s writes %q without forgetPrincipals (or a reason in cacheExempt)", where, w)
				}
			}
			return false
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range cacheExempt {
		if !seen[k] {
			t.Errorf("cacheExempt lists %q, which no longer exists", k)
		}
	}
}
