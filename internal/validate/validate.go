// Package validate is the one way input is checked: every problem becomes a
// FieldError naming the row (for imports) and the field, with a message from
// the catalogue, and all problems are reported together.
package validate

import (
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// FieldError is one problem with one field of one row (Row 0 for a form).
type FieldError struct {
	Row   int
	Field string // i18n key of the field's label, e.g. "person.id_number"
	Key   string // i18n key of the message, e.g. "validate.required"
	Args  []any
}

// Text renders the problem in language l, naming row and field.
func (e FieldError) Text(l i18n.Lang) string {
	msg := i18n.T(l, e.Key, e.Args...)
	field := ""
	if e.Field != "" {
		field = i18n.T(l, e.Field)
	}
	switch {
	case e.Row > 0 && field != "":
		return i18n.T(l, "validate.row_field", e.Row, field, msg)
	case e.Row > 0:
		return i18n.T(l, "validate.row", e.Row, msg)
	case field != "":
		return i18n.T(l, "validate.field", field, msg)
	}
	return msg
}

// Errors collects problems; a nil or empty Errors means the input is good.
type Errors []FieldError

// Add records a problem.
func (es *Errors) Add(row int, field, key string, args ...any) {
	*es = append(*es, FieldError{Row: row, Field: field, Key: key, Args: args})
}

// Err returns es as an error, or nil when there is no problem.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Error renders every problem in Chinese, one per line.
func (es Errors) Error() string { return es.Text(i18n.ZH) }

// Text renders every problem in language l, one per line.
func (es Errors) Text(l i18n.Lang) string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Text(l)
	}
	return strings.Join(lines, "\n")
}

// For returns the messages for one field of a form (row 0), for showing
// beside the input.
func (es Errors) For(l i18n.Lang, field string) []string {
	var out []string
	for _, e := range es {
		if e.Field == field && e.Row == 0 {
			out = append(out, i18n.T(l, e.Key, e.Args...))
		}
	}
	return out
}

// Required adds validate.required when v is blank.
func (es *Errors) Required(row int, field, v string) bool {
	if strings.TrimSpace(v) == "" {
		es.Add(row, field, "validate.required")
		return false
	}
	return true
}
