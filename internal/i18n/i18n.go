// Package i18n holds the message catalogues. Every piece of UI text goes
// through T; Simplified Chinese is the default, English the alternative.
// Catalogues are "key = value" files (like Gitea's locale files), one per
// language, embedded in the binary.
package i18n

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Lang is a supported language tag.
type Lang string

const (
	ZH Lang = "zh-CN" // default
	EN Lang = "en"
)

// Langs lists the supported languages, default first.
var Langs = []Lang{ZH, EN}

//go:embed locales
var files embed.FS

var catalogues = map[Lang]map[string]string{}

func init() {
	for _, l := range Langs {
		names, err := fs.Glob(files, "locales/"+string(l)+"/*.ini")
		if err != nil || len(names) == 0 {
			panic("i18n: no catalogue for " + string(l))
		}
		m := map[string]string{}
		for _, name := range names {
			if err := parse(name, m); err != nil {
				panic(err)
			}
		}
		catalogues[l] = m
	}
}

func parse(name string, m map[string]string) error {
	f, err := files.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	section := ""
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' || s[0] == ';' {
			continue
		}
		if s[0] == '[' && s[len(s)-1] == ']' {
			section = strings.TrimSpace(s[1 : len(s)-1])
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("%s:%d: want key = value", name, line)
		}
		k = strings.TrimSpace(k)
		if section != "" {
			k = section + "." + k
		}
		if _, dup := m[k]; dup {
			return fmt.Errorf("%s:%d: duplicate key %s", name, line, k)
		}
		m[k] = strings.TrimSpace(v)
	}
	return sc.Err()
}

// Parse returns a supported language for a tag such as "en-US" or
// "zh-Hans-CN"; anything else falls back to Chinese.
func Parse(tag string) Lang {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if strings.HasPrefix(tag, "en") {
		return EN
	}
	return ZH
}

// T translates key into l, formatting args with fmt verbs in the message.
// A missing key shows the key itself (tests make sure none is missing).
func T(l Lang, key string, args ...any) string {
	msg, ok := catalogues[l][key]
	if !ok {
		msg, ok = catalogues[ZH][key]
		if !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Has reports whether key exists in language l.
func Has(l Lang, key string) bool { _, ok := catalogues[l][key]; return ok }

// Keys lists a catalogue's keys, sorted.
func Keys(l Lang) []string {
	var ks []string
	for k := range catalogues[l] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Name is a language's name in its own language, for the switcher.
func (l Lang) Name() string {
	if l == EN {
		return "English"
	}
	return "中文"
}
